// DocService: the rooms' shared Yjs documents, the path every document change takes, as the chat
// service is for messages. A change is checked (rights, bounds, a decodable update), appended to
// the DocStore, and only then applied here, sent to this process's other editors and relayed to
// the other processes (DocRelay). A process that missed a relayed update repairs from the store.
// Documents are loaded when their first editor arrives and unloaded when their last one leaves.
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import type { Logger } from 'pino';
import type { DocVersion, UserRef } from '../../protocol/messages.js';
import { CloseCode, ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { ChatService, DocumentAccess } from '../chat/service.js';
import type { DocStore } from '../store/doc-store.js';
import type { DocRelay } from '../broker/doc-relay.js';
import type { Metrics } from '../metrics/metrics.js';
import { randomId } from '../random-id.js';
import { storeFailure } from '../chat/store-failure.js';
import { DocEditor, type DocSocket } from './doc-editor.js';
import type { DocLimits } from './doc-limits.js';
import { LiveDoc, TEXT_FIELD } from './live-doc.js';
import { decodeRelay, encodeRelay } from './relay-message.js';
import {
  MESSAGE_AUTH,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_SYNC,
  awarenessMessage,
  awarenessStates,
  permissionDenied,
  syncStep1,
  updateMessage,
} from './wire.js';

/** Transaction and awareness origins that are not an editor of this process. */
const REMOTE = Symbol('remote');
const REPAIR = Symbol('repair');
const LEAVE = Symbol('leave');

/** Close code for a connection whose rights in the room are gone (banned, kicked from a private room). */
export const DOC_CLOSE_FORBIDDEN = 4403;

export interface DocServiceDeps {
  chat: ChatService;
  store: DocStore;
  relay: DocRelay;
  limits: DocLimits;
  log: Logger;
  /** Counted when given (docs/collaboration.md, "Metrics"). */
  metrics?: Metrics;
  now?: () => number;
}

/** Why an update was refused (the `reason` of parley_doc_updates_refused_total). */
type RefusedUpdate = 'rate' | 'doc_full' | 'muted' | 'archived' | 'locked' | 'builds_on_refused' | 'store_failed';
/** What made the document service read a document again from the store. */
type RepairTrigger = 'resync' | 'gap' | 'periodic';

export class DocService {
  readonly #deps: DocServiceDeps;
  readonly #limits: DocLimits;
  readonly #docs = new Map<string, LiveDoc>();
  readonly #node = randomId(12);
  readonly #now: () => number;
  #closed = false;

  constructor(deps: DocServiceDeps) {
    this.#deps = deps;
    this.#limits = deps.limits;
    this.#now = deps.now ?? Date.now;
    deps.relay.onMessage((room, bytes) => this.#fromRelay(room, bytes));
    deps.relay.onResync(() => {
      for (const doc of this.#docs.values()) void this.#repair(doc, 'full', 'resync'); // logged inside
    });
    deps.metrics?.watchDocs(() => {
      let editors = 0;
      for (const doc of this.#docs.values()) editors += doc.editors.size;
      return { documents: this.#docs.size, editors };
    });
  }

  get limits(): DocLimits {
    return this.#limits;
  }

  /** Open documents in this process (metrics, tests). */
  get openDocuments(): number {
    return this.#docs.size;
  }

  /** What `user` may do in `room`'s document; throws the join's refusals (not_found, banned, not_member). */
  admit(user: UserRef, room: string): Promise<DocumentAccess> {
    return this.#deps.chat.documentAccess(user, room);
  }

  /** A connection accepted after `admit`: it is sent sync step 1 and the awareness states once the document is loaded. */
  open(user: UserRef, room: string, access: DocumentAccess, socket: DocSocket): DocEditor {
    const editor = new DocEditor(user, room, access, socket, this.#limits, performance.now());
    if (this.#closed) {
      editor.close(CloseCode.GoingAway, 'server shutting down');
      return editor;
    }
    const doc = this.#docOf(room);
    if (doc.editors.size >= this.#limits.maxEditors) {
      editor.close(CloseCode.PolicyViolation, `at most ${this.#limits.maxEditors} editors per document`);
      this.#maybeUnload(doc);
      return editor;
    }
    doc.editors.add(editor);
    editor.chain = doc.ready.then(
      () => {
        if (editor.closed) return;
        editor.send(syncStep1(doc.ydoc));
        const states = awarenessStates(doc.awareness);
        if (states !== undefined) editor.send(states);
      },
      () => editor.close(CloseCode.InternalError, 'the document could not be loaded'),
    );
    return editor;
  }

  /** A binary frame from the editor: handled after the ones before it. */
  receive(editor: DocEditor, data: Uint8Array): void {
    if (editor.closed) return;
    // The update rate is taken as frames arrive, so that a flood is refused before it queues.
    // Message type and sync step are single-byte varUints: byte 0 is the type, byte 1 the step.
    if (data[0] === MESSAGE_SYNC && (data[1] === syncProtocol.messageYjsSyncStep2 || data[1] === syncProtocol.messageYjsUpdate)) {
      const wait = editor.updates.take(performance.now());
      if (wait > 0) {
        this.#deps.metrics?.docUpdatesRefused.inc({ reason: 'rate' });
        return this.#refuse(editor, `too many changes; at most ${this.#limits.updatesPerSecond} per second (retry in ${wait} ms)`, true);
      }
    }
    const doc = this.#docs.get(editor.room);
    if (doc === undefined) return;
    editor.queued++;
    // Only a flood gets here: each message is handled in well under the time it takes to send it.
    if (editor.queued > this.#limits.updateBurst * 2) return editor.close(CloseCode.PolicyViolation, 'too many messages waiting');
    editor.chain = editor.chain
      .then(() => (editor.closed ? undefined : this.#handle(editor, doc, data)))
      .catch((error: unknown) => {
        const failure = storeFailure(error);
        if (failure !== undefined) {
          this.#deps.log.error({ err: error, room: editor.room }, 'document store failed');
          this.#deps.metrics?.docUpdatesRefused.inc({ reason: 'store_failed' });
          editor.send(permissionDenied('the server could not store this change; it is kept on your side and sent again when you reconnect'));
          editor.close(CloseCode.InternalError, 'store failed');
        } else if (error instanceof ProtocolError) {
          editor.close(DOC_CLOSE_FORBIDDEN, error.message);
        } else {
          this.#deps.log.warn({ err: error, room: editor.room, user: editor.user.id }, 'bad document message; closing (1008)');
          editor.close(CloseCode.PolicyViolation, 'not a y-websocket message');
        }
      })
      .finally(() => editor.queued--);
  }

  /** The connection is gone: its awareness states are removed, and the document unloaded if it was the last. */
  left(editor: DocEditor): void {
    editor.closed = true;
    const doc = this.#docs.get(editor.room);
    if (doc === undefined || !doc.editors.delete(editor)) return;
    if (editor.clientIds.size > 0) awarenessProtocol.removeAwarenessStates(doc.awareness, [...editor.clientIds], LEAVE);
    this.#maybeUnload(doc);
  }

  async #handle(editor: DocEditor, doc: LiveDoc, data: Uint8Array): Promise<void> {
    const decoder = decoding.createDecoder(data);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case MESSAGE_SYNC: {
        const step = decoding.readVarUint(decoder);
        if (step === syncProtocol.messageYjsSyncStep1) {
          const encoder = encoding.createEncoder();
          encoding.writeVarUint(encoder, MESSAGE_SYNC);
          syncProtocol.readSyncStep1(decoder, encoder, doc.ydoc);
          editor.send(encoding.toUint8Array(encoder));
          return;
        }
        if (step !== syncProtocol.messageYjsSyncStep2 && step !== syncProtocol.messageYjsUpdate) throw new Error(`unknown sync step ${step}`);
        return this.#write(editor, doc, decoding.readVarUint8Array(decoder));
      }
      case MESSAGE_AWARENESS:
        return this.#awareness(editor, doc, decoding.readVarUint8Array(decoder), data.byteLength);
      case MESSAGE_QUERY_AWARENESS: {
        const states = awarenessStates(doc.awareness);
        if (states !== undefined) editor.send(states);
        return;
      }
      case MESSAGE_AUTH:
        return; // clients have nothing to say in it
      default:
        throw new Error(`unknown message type ${type}`);
    }
  }

  async #write(editor: DocEditor, doc: LiveDoc, update: Uint8Array): Promise<void> {
    await this.#recheck(editor);
    if (editor.closed) return;
    const decoded = Y.decodeUpdate(update); // throws on bytes that are no update
    if (decoded.structs.length === 0 && decoded.ds.clients.size === 0) return; // a synced client's empty step 2
    const readOnly = editor.access.readOnly ?? (doc.locked ? 'locked' : undefined);
    if (readOnly !== undefined) {
      // A read-only client answers sync step 1 with what it has; that is no change when it holds nothing new.
      if (Y.snapshotContainsUpdate(Y.snapshot(doc.ydoc), update)) return;
      return this.#refuseUpdate(editor, readOnly, readOnlyReason(readOnly, editor.room), false);
    }
    // A client whose change was refused builds its next ones on it: those could never be applied, so
    // they are not stored either. Its next sync (a reconnect) sends everything again.
    if (hasGap(decoded.structs, doc.ydoc)) {
      return this.#refuseUpdate(editor, 'builds_on_refused', 'this change builds on one the server refused; reload the document to edit again', true);
    }
    if (doc.bytes + update.byteLength > this.#limits.maxDocBytes) {
      return this.#refuseUpdate(editor, 'doc_full', `the document is full (at most ${this.#limits.maxDocBytes} bytes stored)`, true);
    }
    doc.inflight++;
    try {
      const id = await this.#deps.store.appendUpdate(doc.room, update, this.#now());
      doc.noteStored([{ id, update }]);
      Y.applyUpdate(doc.ydoc, update, editor);
      this.#deps.metrics?.docUpdates.inc({ source: 'editor' });
      this.#deps.metrics?.docStoredBytes.inc(update.byteLength);
      const message = updateMessage(update);
      for (const other of doc.editors) if (other !== editor) this.#sendTo(other, message);
      void this.#deps.relay.publish(doc.room, encodeRelay({ kind: 'update', node: this.#node, id, payload: update })); // never rejects
    } finally {
      doc.inflight--;
    }
    this.#maybeCompact(doc);
    this.#maybeUnload(doc);
  }

  #awareness(editor: DocEditor, doc: LiveDoc, update: Uint8Array, bytes: number): void {
    if (bytes > this.#limits.maxAwarenessBytes) {
      this.#deps.metrics?.docAwarenessRefused.inc({ reason: 'too_large' });
      return this.#refuse(editor, `awareness states are at most ${this.#limits.maxAwarenessBytes} bytes`, true);
    }
    // Cursors are ephemeral: past the rate they are dropped (the next one carries the latest state).
    if (editor.awareness.take(performance.now()) > 0) {
      this.#deps.metrics?.docAwarenessRefused.inc({ reason: 'rate' });
      return void editor.refusals++;
    }
    awarenessProtocol.applyAwarenessUpdate(doc.awareness, update, editor);
    if (editor.clientIds.size > this.#limits.maxAwarenessClients) {
      editor.close(CloseCode.PolicyViolation, `a connection speaks for at most ${this.#limits.maxAwarenessClients} awareness clients`);
    }
  }

  #refuseUpdate(editor: DocEditor, why: RefusedUpdate, reason: string, counted: boolean): void {
    this.#deps.metrics?.docUpdatesRefused.inc({ reason: why });
    this.#refuse(editor, reason, counted);
  }

  #refuse(editor: DocEditor, reason: string, counted: boolean): void {
    editor.send(permissionDenied(reason));
    if (counted && ++editor.refusals >= this.#limits.refusalsBeforeClose) editor.close(CloseCode.PolicyViolation, 'too many refused changes');
  }

  /** Reads the editor's rights again when they are older than `recheckMs` (a mute, ban or role change since). */
  async #recheck(editor: DocEditor): Promise<void> {
    const now = performance.now();
    if (now - editor.checkedAt < this.#limits.recheckMs) return;
    editor.checkedAt = now;
    editor.access = await this.#deps.chat.documentAccess(editor.user, editor.room); // a ProtocolError closes with 4403
  }

  #sendTo(editor: DocEditor, message: Uint8Array): void {
    if (editor.socket.bufferedAmount > this.#limits.outboxLimit) return editor.close(CloseCode.SlowConsumer, 'too slow; reconnect');
    editor.send(message);
  }

  #docOf(room: string): LiveDoc {
    const existing = this.#docs.get(room);
    if (existing !== undefined) return existing;
    const doc = new LiveDoc(room, (live) => this.#load(live));
    this.#docs.set(room, doc);
    doc.ydoc.on('update', (update: Uint8Array, origin: unknown) => {
      // Editors' and relayed changes are sent by their own paths; a repair's are found only here.
      if (origin !== REPAIR) return;
      doc.repairChanges++;
      for (const editor of doc.editors) this.#sendTo(editor, updateMessage(update));
    });
    doc.awareness.on('update', (changes: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
      if (origin instanceof DocEditor) {
        for (const id of [...changes.added, ...changes.updated]) origin.clientIds.add(id);
        for (const id of changes.removed) origin.clientIds.delete(id);
      }
      const changed = [...changes.added, ...changes.updated, ...changes.removed];
      if (changed.length === 0) return;
      const payload = awarenessProtocol.encodeAwarenessUpdate(doc.awareness, changed);
      const message = awarenessMessage(payload);
      // The sender too, as y-websocket's own server does: a provider that hears nothing for 30 s
      // reconnects, and a lone editor's awareness renewals are what it hears.
      for (const editor of doc.editors) this.#sendTo(editor, message);
      if (origin !== REMOTE) void this.#deps.relay.publish(doc.room, encodeRelay({ kind: 'awareness', node: this.#node, payload })); // never rejects
    });
    return doc;
  }

  async #load(doc: LiveDoc): Promise<void> {
    try {
      await this.#deps.relay.subscribe(doc.room);
      const [stored, locked] = await Promise.all([this.#deps.store.loadDoc(doc.room), this.#deps.store.docLocked(doc.room)]);
      doc.locked = locked;
      doc.applyStored(stored, REPAIR);
      doc.bytes += stored.snapshot?.byteLength ?? 0;
      if (this.#deps.relay.shared) {
        doc.repairTimer = setInterval(() => void this.#repair(doc, 'after', 'periodic'), this.#limits.repairMs); // logged inside
        doc.repairTimer.unref();
      }
    } catch (error) {
      doc.failed = true;
      this.#deps.log.error({ err: error, room: doc.room }, 'could not load a document');
      if (this.#docs.get(doc.room) === doc) this.#docs.delete(doc.room);
      void this.#deps.relay.unsubscribe(doc.room);
      doc.destroy();
      throw error;
    }
  }

  #fromRelay(room: string, bytes: Uint8Array): void {
    const doc = this.#docs.get(room);
    const message = decodeRelay(bytes);
    if (doc === undefined || message === undefined || message.node === this.#node || doc.failed) return;
    void doc.ready.then(
      () => {
        if (this.#docs.get(room) !== doc) return;
        if (message.kind === 'update') {
          doc.noteStored([{ id: message.id, update: message.payload }]);
          Y.applyUpdate(doc.ydoc, message.payload, REMOTE);
          this.#deps.metrics?.docUpdates.inc({ source: 'relay' });
          const forward = updateMessage(message.payload);
          for (const editor of doc.editors) this.#sendTo(editor, forward);
          if (doc.missingSomething) void this.#repair(doc, 'full', 'gap'); // logged inside
        } else if (message.kind === 'awareness') {
          awarenessProtocol.applyAwarenessUpdate(doc.awareness, message.payload, REMOTE);
        } else {
          doc.locked = message.locked;
        }
      },
      () => undefined,
    );
  }

  /** Applies what the store has and this document lacks: everything ('full'), or the updates above the highest id seen. */
  async #repair(doc: LiveDoc, scope: 'full' | 'after', trigger: RepairTrigger): Promise<void> {
    try {
      await doc.ready;
      const before = doc.repairChanges;
      if (scope === 'full') {
        doc.applyStored(await this.#deps.store.loadDoc(doc.room), REPAIR);
      } else {
        const updates = await this.#deps.store.updatesAfter(doc.room, doc.maxId);
        if (updates.length > 0) doc.applyStored({ snapshot: undefined, updates }, REPAIR);
      }
      this.#deps.metrics?.docRepairs.inc({ trigger, result: doc.repairChanges > before ? 'changed' : 'unchanged' });
    } catch (error) {
      this.#deps.metrics?.docRepairs.inc({ trigger, result: 'failed' });
      this.#deps.log.warn({ err: error, room: doc.room }, 'document repair from the store failed; tried again later');
    }
  }

  /**
   * Folds the stored updates into the snapshot once there are many or they are large. The state is
   * encoded once, from the Y.Doc that holds every update being dropped; the store merges it into its
   * current snapshot, so a concurrent compaction elsewhere loses nothing.
   */
  #maybeCompact(doc: LiveDoc): void {
    if (doc.compacting || (doc.storedIds.size < this.#limits.compactEvery && doc.bytesSinceCompaction < this.#limits.compactBytes)) return;
    doc.compacting = true;
    const timer = this.#deps.metrics?.docCompaction.startTimer();
    const ids = [...doc.storedIds];
    const sinceAtStart = doc.bytesSinceCompaction;
    const state = Y.encodeStateAsUpdate(doc.ydoc);
    void this.#deps.store
      .compact(doc.room, ids, (current) => (current === undefined ? state : Y.mergeUpdates([current, state])), this.#now())
      .then(
        () => {
          timer?.({ outcome: 'ok' });
          for (const id of ids) doc.storedIds.delete(id);
          doc.bytesSinceCompaction -= sinceAtStart;
          doc.bytes = state.byteLength + doc.bytesSinceCompaction;
          // Periodic versions ride on compaction: a busy document gets one every autoVersionMs at most.
          const now = this.#now();
          if (now - doc.autoVersionAt >= this.#limits.autoVersionMs) {
            doc.autoVersionAt = now;
            return this.#deps.store.saveVersion(doc.room, 'automatic', state, 'auto', now).then(() => undefined);
          }
          return undefined;
        },
        (error: unknown) => {
          timer?.({ outcome: 'failed' });
          this.#deps.log.warn({ err: error, room: doc.room }, 'document compaction failed; tried again after the next update');
        },
      )
      .catch((error: unknown) => this.#deps.log.warn({ err: error, room: doc.room }, 'saving an automatic version failed'))
      .finally(() => {
        doc.compacting = false;
        this.#maybeUnload(doc);
      });
  }

  #maybeUnload(doc: LiveDoc): void {
    if (doc.editors.size > 0 || doc.inflight > 0 || doc.compacting || this.#docs.get(doc.room) !== doc) return;
    this.#docs.delete(doc.room);
    void doc.ready
      .catch(() => undefined)
      .then(() => {
        // Someone may have opened the room again meanwhile: that is a new LiveDoc, subscribed again.
        if (!this.#docs.has(doc.room)) void this.#deps.relay.unsubscribe(doc.room);
        doc.destroy();
      });
  }

  /** The room was deleted: its editors here are closed (4403) and its document, versions and lock dropped. */
  async roomDeleted(room: string): Promise<void> {
    const doc = this.#docs.get(room);
    if (doc !== undefined) for (const editor of [...doc.editors]) editor.close(DOC_CLOSE_FORBIDDEN, `${room} was deleted`);
    await this.#deps.store.dropDoc(room);
  }

  // ---- the protocol v1 verbs on documents (lock, versions) ----

  async setLocked(user: UserRef, room: string, locked: boolean): Promise<void> {
    const access = await this.admit(user, room);
    if (!access.moderator) throw new ProtocolError(ErrorCode.Forbidden, 'only moderators and the owner lock the document');
    await this.#stored(() => this.#deps.store.setDocLocked(room, locked));
    const doc = this.#docs.get(room);
    if (doc !== undefined) doc.locked = locked;
    await this.#deps.relay.publish(room, encodeRelay({ kind: 'lock', node: this.#node, locked }));
  }

  async saveVersion(user: UserRef, room: string, name: string): Promise<DocVersion> {
    await this.admit(user, room);
    const state = await this.#state(room);
    const ts = this.#now();
    const id = await this.#stored(() => this.#deps.store.saveVersion(room, name, state, user.id, ts));
    return { id, name, by: user.id, ts, bytes: state.byteLength };
  }

  async versions(user: UserRef, room: string): Promise<DocVersion[]> {
    await this.admit(user, room);
    const versions = await this.#stored(() => this.#deps.store.listVersions(room));
    return versions.map(({ id, name, by, createdAt, bytes }) => ({ id, name, by, ts: createdAt, bytes }));
  }

  /** A version's text; with `restore`, written back as a new change (stored, then sent like any other), so nothing is lost. */
  async version(user: UserRef, room: string, id: number, restore: boolean): Promise<{ version: DocVersion; text: string }> {
    const access = await this.admit(user, room);
    const [state, listed] = await this.#stored(() => Promise.all([this.#deps.store.version(room, id), this.#deps.store.listVersions(room)]));
    const info = listed.find((version) => version.id === id);
    if (state === undefined || info === undefined) throw new ProtocolError(ErrorCode.NotFound, `no version ${id} of ${room}'s document`, 'version');
    const text = textOf(state);
    if (restore) {
      if (access.readOnly !== undefined)
        throw new ProtocolError(access.readOnly === 'muted' ? ErrorCode.Muted : ErrorCode.Archived, readOnlyReason(access.readOnly, room));
      await this.#restore(room, text);
    }
    return { version: { id, name: info.name, by: info.by, ts: info.createdAt, bytes: info.bytes }, text };
  }

  /** The document's text now (the terminal client's /doc). */
  async text(user: UserRef, room: string): Promise<string> {
    await this.admit(user, room);
    return textOf(await this.#state(room));
  }

  async #restore(room: string, text: string): Promise<void> {
    const doc = this.#docOf(room);
    doc.inflight++;
    try {
      await doc.ready;
      if (doc.locked) throw new ProtocolError(ErrorCode.Forbidden, `${room}'s document is locked`);
      // The change is made on a copy, so that the live document only ever receives stored updates.
      const copy = new Y.Doc();
      Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc.ydoc));
      const before = Y.encodeStateVector(copy);
      copy.transact(() => {
        const field = copy.getText(TEXT_FIELD);
        field.delete(0, field.length);
        field.insert(0, text);
      });
      const update = Y.encodeStateAsUpdate(copy, before);
      copy.destroy();
      const id = await this.#stored(() => this.#deps.store.appendUpdate(room, update, this.#now()));
      doc.noteStored([{ id, update }]);
      Y.applyUpdate(doc.ydoc, update, REMOTE);
      this.#deps.metrics?.docUpdates.inc({ source: 'restore' });
      this.#deps.metrics?.docStoredBytes.inc(update.byteLength);
      const message = updateMessage(update);
      for (const editor of doc.editors) this.#sendTo(editor, message);
      await this.#deps.relay.publish(room, encodeRelay({ kind: 'update', node: this.#node, id, payload: update }));
    } finally {
      doc.inflight--;
      this.#maybeUnload(doc);
    }
  }

  /** The whole document as one update: from memory when open here, else from the store. */
  async #state(room: string): Promise<Uint8Array> {
    const doc = this.#docs.get(room);
    if (doc !== undefined && !doc.failed) {
      await doc.ready;
      return Y.encodeStateAsUpdate(doc.ydoc);
    }
    const stored = await this.#stored(() => this.#deps.store.loadDoc(room));
    const pieces = [...(stored.snapshot === undefined ? [] : [stored.snapshot]), ...stored.updates.map((piece) => piece.update)];
    return pieces.length === 0 ? Y.encodeStateAsUpdate(new Y.Doc()) : Y.mergeUpdates(pieces);
  }

  async #stored<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const failure = storeFailure(error);
      if (failure === undefined) throw error;
      this.#deps.log.error({ err: error }, 'document store failed');
      throw failure;
    }
  }

  /** Closes every editor (1001) and unloads every document. */
  close(): void {
    this.#closed = true;
    for (const doc of [...this.#docs.values()]) {
      for (const editor of [...doc.editors]) editor.close(CloseCode.GoingAway, 'server shutting down; reconnect');
      doc.editors.clear();
      this.#maybeUnload(doc);
    }
  }
}

function readOnlyReason(why: 'muted' | 'archived' | 'locked', room: string): string {
  if (why === 'muted') return `you are muted in ${room}: you can read the document, not change it`;
  if (why === 'archived') return `${room} is archived: its document is read-only`;
  return `${room}'s document is locked read-only by a moderator`;
}

/** Whether some struct of the update starts past what the document has of its client: a change it depends on is missing. */
function hasGap(structs: readonly { id: Y.ID }[], doc: Y.Doc): boolean {
  const first = new Map<number, number>();
  for (const { id } of structs) {
    const seen = first.get(id.client);
    if (seen === undefined || id.clock < seen) first.set(id.client, id.clock);
  }
  for (const [client, clock] of first) if (clock > Y.getState(doc.store, client)) return true;
  return false;
}

function textOf(state: Uint8Array): string {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    return doc.getText(TEXT_FIELD).toJSON();
  } finally {
    doc.destroy();
  }
}
