// One document open in this process: its Y.Doc and Awareness, the editors connected here, and what
// the store holds of it (the update ids not yet compacted, the stored bytes), so that compaction and
// repair know what to read and what to drop.
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import type { StoredDoc, StoredUpdate } from '../store/doc-store.js';
import type { DocEditor } from './doc-editor.js';

/** The Y.Text every Parley client edits (web app, terminal client, version text). */
export const TEXT_FIELD = 'text';

export class LiveDoc {
  readonly room: string;
  readonly ydoc = new Y.Doc();
  readonly awareness: Awareness;
  readonly editors = new Set<DocEditor>();
  /** Stored updates not yet compacted that this Y.Doc contains. */
  readonly storedIds = new Set<number>();
  /** The highest update id applied here: a periodic repair reads what lies above it. */
  maxId = 0;
  /** Bytes stored for the document: the snapshot's and the updates' since. */
  bytes = 0;
  /** Bytes of updates stored since the last compaction. */
  bytesSinceCompaction = 0;
  locked = false;
  /** Updates being stored or applied: the document stays open until they are done. */
  inflight = 0;
  compacting = false;
  /** When this process last saved a periodic version of it (ms since the epoch). */
  autoVersionAt = 0;
  ready: Promise<void>;
  failed = false;
  /** Changes a repair from the store applied (counted by the update listener): did a repair find anything. */
  repairChanges = 0;
  repairTimer: NodeJS.Timeout | undefined;

  constructor(room: string, load: (doc: LiveDoc) => Promise<void>) {
    this.room = room;
    this.awareness = new Awareness(this.ydoc);
    // The server is no participant: it announces no state of its own.
    this.awareness.setLocalState(null);
    this.ready = load(this);
  }

  /** Applies what the store holds (at open, or in a repair); `origin` tells the update listener why. */
  applyStored(stored: Pick<StoredDoc, 'snapshot' | 'updates'>, origin: unknown): void {
    const pieces = stored.snapshot === undefined ? [] : [stored.snapshot];
    for (const update of stored.updates) pieces.push(update.update);
    if (pieces.length > 0) Y.applyUpdate(this.ydoc, pieces.length === 1 ? (pieces[0] as Uint8Array) : Y.mergeUpdates(pieces), origin);
    this.noteStored(stored.updates);
  }

  noteStored(updates: readonly StoredUpdate[]): void {
    for (const { id, update } of updates) {
      if (this.storedIds.has(id)) continue;
      this.storedIds.add(id);
      if (id > this.maxId) this.maxId = id;
      this.bytes += update.byteLength;
      this.bytesSinceCompaction += update.byteLength;
    }
  }

  /** Whether updates wait for the Y.Doc's missing dependencies: something was missed. */
  get missingSomething(): boolean {
    return this.ydoc.store.pendingStructs !== null || this.ydoc.store.pendingDs !== null;
  }

  destroy(): void {
    clearInterval(this.repairTimer);
    this.awareness.destroy();
    this.ydoc.destroy();
  }
}
