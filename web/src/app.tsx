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

  // Refusals that retrying cannot fix send the user back to the welcome screen with the reason: a
  // token the server no longer accepts (expired, signed out elsewhere) or a guest nick that is a
  // registered account's name.
  useEffect(() => {
    if (chat === undefined) return undefined;
    return chat.subscribe(() => {
      const error = chat.connection.state === 'closed' ? chat.connection.error : undefined;
      // Only the server's own refusal: the codes below are its (ErrorCode), checked by the compiler.
      const code = error?.fromServer === true ? error.code : undefined;
      const reason =
        code === 'unauthorized'
          ? chat.signedIn
            ? 'Your session has ended. Please sign in again.'
            : 'This server does not allow guests. Please sign in.'
          : code === 'name_taken'
            ? 'That nickname belongs to an account. Sign in, or pick another nickname.'
            : undefined;
      if (reason === undefined) return;
      chat.client.close();
      saved.forget();
      setNotice(reason);
      setIdentity(null);
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
