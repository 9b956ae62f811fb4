// The connection banner: connecting / reconnecting in Ns / back online, and while connected over
// the HTTP fallback (WebSocket blocked on this network), a quiet note that says so. Messages sent
// meanwhile stay in the SDK's outbox and show as pending, so the banner never has to warn about loss.
import type { JSX } from 'preact';
import { useApp, useStore, useTicker } from '../hooks.js';

const BACK_ONLINE_MS = 3000;

export function Banner(): JSX.Element | null {
  const store = useStore();
  const connection = useApp((state) => state.connection);
  const backOnlineAt = useApp((state) => state.backOnlineAt);
  const pending = useApp((state) => state.unsent);
  const now = Date.now();
  const recentlyBack = connection.state === 'open' && now - backOnlineAt < BACK_ONLINE_MS;
  useTicker(connection.state === 'reconnecting' || recentlyBack, 250);
  let tone = 'warn';
  let text: string;
  let retry = false;
  switch (connection.state) {
    case 'open': {
      const fallback = connection.transport === 'http';
      if (!recentlyBack && !fallback) return null;
      tone = recentlyBack ? 'ok' : 'info';
      text = [recentlyBack ? 'Back online' : 'Connected', fallback ? 'over HTTP (WebSocket is blocked on this network)' : ''].join(' ').trim();
      break;
    }
    case 'connecting':
      text = connection.wasOpen ? 'Reconnecting…' : 'Connecting…';
      break;
    case 'reconnecting': {
      const seconds = Math.max(0, Math.ceil(((connection.retryAt ?? now) - now) / 1000));
      text = seconds > 0 ? `Connection lost. Reconnecting in ${seconds}s…` : 'Connection lost. Reconnecting…';
      retry = true;
      break;
    }
    case 'closed':
      tone = 'error';
      text = connection.error !== undefined ? `Disconnected: ${connection.error.message}` : 'Disconnected.';
      break;
  }
  return (
    <div
      class={`banner banner-${tone}`}
      role="status"
      aria-live="polite"
      data-testid="banner"
      data-transport={connection.state === 'open' ? (connection.transport ?? 'websocket') : undefined}
    >
      <span class="banner-dot" aria-hidden="true" />
      <span class="banner-text">{text}</span>
      {pending > 0 && connection.state !== 'open' && (
        <span class="banner-extra">
          {pending} {pending === 1 ? 'message' : 'messages'} will be sent when you are back
        </span>
      )}
      {retry && (
        <button type="button" class="banner-action" onClick={() => store.reconnect()}>
          Retry now
        </button>
      )}
    </div>
  );
}
Banner.displayName = 'Banner';
