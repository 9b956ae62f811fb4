import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { Chat } from './chat.js';
import { ChatScreen } from './components/chat-screen.js';
import { Welcome } from './components/welcome.js';
import { saved } from './storage.js';

export function App(): JSX.Element {
  const [nick, setNick] = useState<string | null>(saved.nick());
  const chat = useMemo(() => (nick === null ? undefined : new Chat(nick)), [nick]);
  if (chat === undefined) {
    return (
      <Welcome
        onJoin={(name) => {
          saved.setNick(name);
          setNick(name);
        }}
      />
    );
  }
  return (
    <ChatScreen
      chat={chat}
      onSignOut={() => {
        chat.client.close();
        saved.forget();
        setNick(null);
      }}
    />
  );
}
