import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Chat } from './chat.js';
import { ChatScreen } from './components/chat-screen.js';
import { Welcome } from './components/welcome.js';
import { signOut } from './account.js';
import { saved } from './storage.js';

type Identity = { nick: string } | { token: string };

function remembered(): Identity | null {
  const token = saved.token();
  if (token !== null) return { token };
  const nick = saved.nick();
  return nick === null ? null : { nick };
}

export function App(): JSX.Element {
  const [identity, setIdentity] = useState<Identity | null>(remembered);
  const [notice, setNotice] = useState<string | null>(null);
  const chat = useMemo(() => (identity === null ? undefined : new Chat(identity)), [identity]);

  // A token the server refuses (expired, logged out elsewhere) is forgotten: back to the welcome screen.
  useEffect(() => {
    if (chat === undefined || !chat.signedIn) return undefined;
    return chat.subscribe(() => {
      if (chat.connection.state === 'closed' && chat.connection.error?.code === 'unauthorized') {
        chat.client.close();
        saved.forget();
        setNotice('Your session has ended. Please sign in again.');
        setIdentity(null);
      }
    });
  }, [chat]);

  if (chat === undefined) {
    return (
      <Welcome
        notice={notice}
        onGuest={(nick) => {
          saved.setNick(nick);
          setNotice(null);
          setIdentity({ nick });
        }}
        onSignedIn={(token) => {
          saved.forget();
          saved.setToken(token);
          setNotice(null);
          setIdentity({ token });
        }}
      />
    );
  }
  return (
    <ChatScreen
      chat={chat}
      onSignOut={() => {
        chat.client.close();
        if ('token' in chat.identity) void signOut(chat.identity.token);
        saved.forget();
        setIdentity(null);
      }}
    />
  );
}
