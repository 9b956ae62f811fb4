import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { browser } from './browser.js';
import { ChatScreen } from './components/chat-screen.js';
import { Welcome } from './components/welcome.js';
import { signOut } from './account.js';
import { StoreContext } from './hooks.js';
import { ChatStore, type Identity } from './store/chat-store.js';
import { saved } from './storage.js';
import type { StateChange } from '../../src/client/index.js';

function remembered(): Identity | null {
  const token = saved.token();
  if (token !== null) return { token };
  const nick = saved.nick();
  return nick === null ? null : { nick };
}

/**
 * Refusals that retrying cannot fix send the user back to the welcome screen with the reason: a
 * token the server no longer accepts (expired, signed out elsewhere) or a guest nick that is a
 * registered account's name.
 */
function fatalReason(connection: StateChange, signedIn: boolean): string | undefined {
  const error = connection.state === 'closed' ? connection.error : undefined;
  // Only the server's own refusal: the codes below are its (ErrorCode), checked by the compiler.
  const code = error?.fromServer === true ? error.code : undefined;
  if (code === 'unauthorized') return signedIn ? 'Your session has ended. Please sign in again.' : 'This server does not allow guests. Please sign in.';
  if (code === 'name_taken') return 'That nickname belongs to an account. Sign in, or pick another nickname.';
  return undefined;
}

export function App(): JSX.Element | null {
  const [identity, setIdentity] = useState<Identity | null>(remembered);
  const [notice, setNotice] = useState<string | null>(null);
  const [store, setStore] = useState<ChatStore | undefined>(undefined);

  // One store per identity, made with the chat screen and disposed with it.
  useEffect(() => {
    if (identity === null) return undefined;
    const made = new ChatStore(identity, browser);
    setStore(made);
    const stop = made.subscribe(() => {
      const reason = fatalReason(made.state.connection, made.state.signedIn);
      if (reason === undefined) return;
      made.dispose();
      // A guest whose new name is an account's keeps its identity (resume token, rooms) for the next try.
      if (made.state.signedIn) saved.forget();
      else saved.setNick(null);
      setNotice(reason);
      setIdentity(null);
    });
    return () => {
      stop();
      made.dispose();
      setStore(undefined);
    };
  }, [identity]);

  if (identity === null) {
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
  if (store === undefined || store.identity !== identity) return null;
  return (
    <StoreContext.Provider value={store}>
      <ChatScreen
        onSignOut={() => {
          store.dispose();
          if ('token' in store.identity) {
            void signOut(store.identity.token);
            saved.forget();
          } else {
            // "Change name": the guest says hello again with its resume token and the new nick, so it
            // stays the same user (its DMs, the rooms it owns, its rooms in the sidebar).
            saved.setNick(null);
          }
          setIdentity(null);
        }}
      />
    </StoreContext.Provider>
  );
}
