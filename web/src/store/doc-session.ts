// One room's shared document in the browser: a Y.Doc on the stock y-websocket WebsocketProvider,
// connected to /yjs/<room> with a single-use ticket fetched over the chat connection (a new one
// after every closed connection, the SDK's refreshTickets). Edits made while offline stay in the Y.Doc and merge when the provider is
// back. The server's permission-denied message (a muted member, a locked document) makes the
// session read-only: the panel opens a fresh copy, so the refused change is dropped here too.
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { WebsocketProvider } from 'y-websocket';
import { refreshTickets } from '../../../src/client/documents.js';

export interface DocEditorInfo {
  clientId: number;
  name: string;
  color: string;
}

export interface DocSnapshot {
  status: 'connecting' | 'connected' | 'disconnected';
  synced: boolean;
  /** Why the server refused a change; the document is read-only while set. */
  denied: string | undefined;
  /** Who has the document open now, me first. */
  editors: DocEditorInfo[];
}

/** The Y.Text every Parley client edits (the server's docs/live-doc.ts TEXT_FIELD). */
export const TEXT_FIELD = 'text';
/** y-websocket's auth message type (y-protocols/auth), and its permission-denied kind. */
const MESSAGE_AUTH = 2;
const PERMISSION_DENIED = 0;

/** A colour per user id, the same on every screen. */
export function colorOf(id: string): string {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return `hsl(${Math.abs(hash) % 360} 70% 45%)`;
}

export class DocSession {
  readonly doc = new Y.Doc();
  readonly text: Y.Text;
  readonly provider: WebsocketProvider;
  #snapshot: DocSnapshot = { status: 'connecting', synced: false, denied: undefined, editors: [] };
  readonly #listeners = new Set<() => void>();
  #destroyed = false;

  constructor(serverUrl: string, room: string, me: { id: string; name: string }, ticket: () => Promise<string>) {
    this.text = this.doc.getText(TEXT_FIELD);
    this.provider = new WebsocketProvider(serverUrl, room, this.doc, { connect: false, disableBc: true });
    this.provider.awareness.setLocalStateField('user', { name: me.name, color: colorOf(me.id), colorLight: `${colorOf(me.id).slice(0, -1)} / 0.2)` });
    this.provider.messageHandlers[MESSAGE_AUTH] = (_encoder, decoder) => {
      if (decoding.readVarUint(decoder) === PERMISSION_DENIED) this.#set({ denied: decoding.readVarString(decoder) });
    };
    const connect = (): void => {
      ticket().then(
        (value) => {
          if (this.#destroyed) return;
          this.provider.params = { ticket: value };
          if (!this.provider.shouldConnect) this.provider.connect();
        },
        () => setTimeout(connect, 2000),
      );
    };
    this.provider.on('status', ({ status }) => this.#set({ status }));
    // The provider reconnects by itself, with the URL's params of the moment: each closed connection
    // (one that was open, or an attempt refused after its ticket was spent) is followed by a fresh one.
    refreshTickets(this.provider, () => ticket());
    this.provider.on('sync', (synced: boolean) => this.#set({ synced }));
    this.provider.awareness.on('change', () => this.#set({ editors: this.#editors() }));
    this.#set({ editors: this.#editors() });
    connect();
  }

  get snapshot(): DocSnapshot {
    return this.#snapshot;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  destroy(): void {
    this.#destroyed = true;
    this.#listeners.clear();
    this.provider.destroy();
    this.doc.destroy();
  }

  #editors(): DocEditorInfo[] {
    const mine = this.provider.awareness.clientID;
    const editors: DocEditorInfo[] = [];
    for (const [clientId, state] of this.provider.awareness.getStates()) {
      const user = (state as { user?: { name?: unknown; color?: unknown } }).user;
      if (typeof user?.name !== 'string') continue;
      editors.push({ clientId, name: user.name, color: typeof user.color === 'string' ? user.color : 'gray' });
    }
    return editors.sort((a, b) => (a.clientId === mine ? -1 : b.clientId === mine ? 1 : a.name.localeCompare(b.name)));
  }

  #set(change: Partial<DocSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...change };
    for (const listener of this.#listeners) listener();
  }
}
