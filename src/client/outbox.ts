// The outbox: every message the app sent that the server has not acknowledged yet, in the order it
// was sent. Entries survive reconnects; each keeps its cid, so sending one again after a lost
// acknowledgement is safe (the server answers a repeated cid with the first result).
import type { Results } from '../protocol/messages.js';

/** A message on its way: shown by apps as pending until the server's push with the same cid arrives. */
export interface PendingMessage {
  readonly cid: string;
  readonly room: string;
  readonly text: string;
  /** The seq of the message this one answers, if any. */
  readonly replyTo?: number;
  /** Ids of uploaded files (see `upload`) the message carries. */
  readonly files?: readonly string[];
  /** The root's seq of the thread this message replies in, if any. */
  readonly thread?: number;
  readonly alsoInRoom?: true;
  /** When `send` was called (client clock, ms). */
  readonly createdAt: number;
  /** How many times it has been written to a socket. */
  readonly attempts: number;
}

/** What a message carries besides its text. */
export interface MessageExtras {
  replyTo?: number | undefined;
  files?: readonly string[] | undefined;
  thread?: number | undefined;
  alsoInRoom?: true | undefined;
}

/** The server's ack, with the cid the SDK gave the message (its push carries the same cid). */
export type SendResult = Results['send'] & { cid: string };

interface Entry {
  cid: string;
  room: string;
  text: string;
  replyTo: number | undefined;
  files: readonly string[] | undefined;
  thread: number | undefined;
  alsoInRoom: true | undefined;
  createdAt: number;
  attempts: number;
  /** Written on the current connection and waiting for its reply. */
  inFlight: boolean;
  resolve(result: SendResult): void;
  reject(error: Error): void;
}

export class Outbox {
  readonly #entries: Entry[] = [];

  add(cid: string, room: string, text: string, extra: MessageExtras = {}): Promise<SendResult> {
    const { replyTo, files, thread, alsoInRoom } = extra;
    return new Promise((resolve, reject) => {
      this.#entries.push({ cid, room, text, replyTo, files, thread, alsoInRoom, createdAt: Date.now(), attempts: 0, inFlight: false, resolve, reject });
    });
  }

  /** Entries of `room` not written on the current connection, oldest first; marks them in flight. */
  takeUnsent(room: string): PendingMessage[] {
    const taken = this.#entries.filter((entry) => entry.room === room && !entry.inFlight);
    for (const entry of taken) {
      entry.inFlight = true;
      entry.attempts += 1;
    }
    return taken.map(snapshot);
  }

  /** The connection is gone: whatever was in flight has to be written again. */
  requeueAll(): void {
    for (const entry of this.#entries) entry.inFlight = false;
  }

  requeue(cid: string): void {
    const entry = this.#find(cid);
    if (entry !== undefined) entry.inFlight = false;
  }

  acknowledge(cid: string, result: Results['send']): void {
    this.#remove(cid)?.resolve({ ...result, cid });
  }

  fail(cid: string, error: Error): void {
    this.#remove(cid)?.reject(error);
  }

  failRoom(room: string, error: Error): void {
    for (const entry of this.#entries.filter((e) => e.room === room)) this.fail(entry.cid, error);
  }

  failAll(error: Error): void {
    for (const entry of [...this.#entries]) this.fail(entry.cid, error);
  }

  pending(room?: string): PendingMessage[] {
    return this.#entries.filter((entry) => room === undefined || entry.room === room).map(snapshot);
  }

  #find(cid: string): Entry | undefined {
    return this.#entries.find((entry) => entry.cid === cid);
  }

  #remove(cid: string): Entry | undefined {
    const index = this.#entries.findIndex((entry) => entry.cid === cid);
    if (index < 0) return undefined;
    return this.#entries.splice(index, 1)[0];
  }
}

function snapshot(entry: Entry): PendingMessage {
  const pending = { cid: entry.cid, room: entry.room, text: entry.text, createdAt: entry.createdAt, attempts: entry.attempts };
  const replied = entry.replyTo === undefined ? pending : { ...pending, replyTo: entry.replyTo };
  const filed = entry.files === undefined ? replied : { ...replied, files: entry.files };
  const threaded = entry.thread === undefined ? filed : { ...filed, thread: entry.thread };
  return entry.alsoInRoom === undefined ? threaded : { ...threaded, alsoInRoom: entry.alsoInRoom };
}
