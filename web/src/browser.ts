// What the app asks of the browser besides the socket: whether the page is visible, desktop
// notifications, the tab's title, and the events that tell the store to look again (the page came
// back into view, the network went or came). localStorage is storage.ts's.
import type { NotificationState } from './state/app.js';

export interface DesktopNotice {
  title: string;
  body: string;
  /** One notice per tag at a time: a newer one replaces it. */
  tag: string;
  onClick: () => void;
}

export interface BrowserHooks {
  /** The page came back into view. */
  visible: () => void;
  /** The browser thinks the network went away or came back. */
  network: () => void;
}

export interface Browser {
  /** The WebSocket endpoint of the server that served the page. */
  readonly socketUrl: string;
  hidden(): boolean;
  notifications(): NotificationState;
  /** Asks (a browser shows its prompt only in answer to a click). */
  requestNotifications(): Promise<void>;
  /** Shows a desktop notification, when allowed. */
  notify(notice: DesktopNotice): void;
  setTitle(title: string): void;
  /** Calls `hooks` until the returned function is called. */
  watch(hooks: BrowserHooks): () => void;
}

export const browser: Browser = {
  socketUrl: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
  hidden: () => document.hidden,
  notifications: () => (typeof Notification === 'undefined' ? 'unsupported' : Notification.permission),
  async requestNotifications() {
    if (typeof Notification !== 'undefined') await Notification.requestPermission();
  },
  notify({ title, body, tag, onClick }) {
    if (browser.notifications() !== 'granted') return;
    const notice = new Notification(title, { body, tag });
    notice.onclick = () => {
      window.focus();
      onClick();
      notice.close();
    };
  },
  setTitle(title) {
    document.title = title;
  },
  watch({ visible, network }) {
    const onVisibility = (): void => {
      if (!document.hidden) visible();
    };
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('offline', network);
    window.addEventListener('online', network);
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('offline', network);
      window.removeEventListener('online', network);
    };
  },
};
