// Files: uploads (bounded, content-addressed, images cleaned), download links, and who may read
// what. A file is readable exactly by those who may read the room of the message it is attached
// to (ChatService.roomInfo, the rule `history` follows), checked at every download; before it is
// attached, only by its uploader. Records and blobs nobody can reach are collected.
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { Limits, type FileDescriptor, type UserRef } from '../../protocol/messages.js';
import { randomId } from '../random-id.js';
import { KeyedQuota } from '../limits/keyed-quota.js';
import type { AuthSessionStore } from '../store/account-store.js';
import { describe, type BlobStore, type FileRecord, type FileStore } from '../store/file-store.js';
import { discard, INLINE_TYPES, UNKNOWN_TYPE, type FileIntake } from './file-intake.js';
import type { FileLinks, FileVariant, LinkQuery, LinkReader } from './file-links.js';
import type { ChatService } from './service.js';

const DAY_MS = 24 * 3_600_000;

export interface FileServiceDeps {
  store: FileStore;
  blobs: BlobStore;
  chat: ChatService;
  intake: FileIntake;
  links: FileLinks;
  /** To see that a link's login session is still alive (a logout ends its links). */
  sessions: AuthSessionStore;
  /** Bytes one user may upload per 24 hours; 0: no bound. */
  dailyBytesPerUser: number;
  /** An upload no message claimed by then is collected. */
  unattachedTtlMs: number;
  /** Uploads one user may start per hour; 0: no bound. */
  uploadsPerHour: number;
  log: Logger;
  now?: () => number;
}

/** Who asks for links: a user, and for an account the hash of its login session. */
export interface Reader {
  user: UserRef;
  sessionHash?: string;
}

export interface FileLink {
  id: string;
  url: string;
  thumb?: string;
  expiresAt: number;
}

export interface Download {
  stream: Readable;
  /** The type to serve: the file's own for a safe inline type, else application/octet-stream. */
  contentType: string;
  inline: boolean;
  size: number;
  name: string;
}

export class FileService {
  readonly #deps: FileServiceDeps;
  readonly #now: () => number;
  readonly #uploads: KeyedQuota | undefined;

  constructor(deps: FileServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#uploads = deps.uploadsPerHour > 0 ? new KeyedQuota(deps.uploadsPerHour) : undefined;
  }

  close(): void {
    this.#uploads?.close();
  }

  get maxBytes(): number {
    return this.#deps.intake.maxBytes;
  }

  /**
   * Stores the stream as `uploader`'s file named `name` (display only). Refused before a byte is
   * read when the user's daily bytes are spent, mid-stream past the size limit.
   */
  async upload(uploader: UserRef, name: string, stream: Readable): Promise<FileDescriptor> {
    const { dailyBytesPerUser: daily, store, blobs } = this.#deps;
    // Every upload costs a record, however small: counted before a byte is read, refused or not.
    const waitMs = this.#uploads?.take(uploader.id, performance.now()) ?? 0;
    if (waitMs > 0) {
      const refusal = new ProtocolError(ErrorCode.RateLimited, `too many uploads; retry in ${Math.ceil(waitMs / 1000)} s`, 'file');
      refusal.retryAfterMs = waitMs;
      throw refusal;
    }
    const since = this.#now() - DAY_MS;
    const used = daily === 0 ? 0 : await store.uploadedSince(uploader.id, since);
    if (daily > 0 && used >= daily) throw quotaSpent(daily);
    const intake = await this.#deps.intake.take(stream);
    if (daily > 0 && used + intake.file.size > daily) {
      await discard(intake);
      throw quotaSpent(daily);
    }
    const record: FileRecord = {
      id: `f_${randomId(12)}`,
      hash: intake.file.hash,
      name: cleanName(name),
      type: intake.type,
      size: intake.file.size,
      uploader: uploader.id,
      createdAt: this.#now(),
    };
    if (intake.width !== undefined && intake.height !== undefined) {
      record.width = intake.width;
      record.height = intake.height;
    }
    if (intake.thumb !== undefined) record.thumbHash = intake.thumb.hash;
    try {
      await blobs.put(intake.file.hash, intake.file.tempFile);
      if (intake.thumb !== undefined) await blobs.put(intake.thumb.hash, intake.thumb.tempFile);
      await store.addFile(record);
    } catch (error) {
      await discard(intake);
      throw error;
    }
    return describe(record);
  }

  /** Links for the files `reader` may read; ids it may not read are left out (the same as unknown). */
  async links(reader: Reader, ids: readonly string[]): Promise<FileLink[]> {
    const links: FileLink[] = [];
    const linkReader: LinkReader = reader.sessionHash === undefined ? { user: reader.user.id } : { user: reader.user.id, session: reader.sessionHash };
    for (const id of ids) {
      const record = await this.#deps.store.file(id);
      if (record === undefined || !(await this.#mayRead(reader.user, record))) continue;
      const file = this.#deps.links.make(id, 'file', linkReader);
      const link: FileLink = { id, url: file.url, expiresAt: file.expiresAt };
      if (record.thumbHash !== undefined) link.thumb = this.#deps.links.make(id, 'thumb', linkReader).url;
      links.push(link);
    }
    return links;
  }

  /** The bytes a link names, for the reader it was made for, if that reader may read them now. */
  async download(id: string, variant: FileVariant, query: LinkQuery): Promise<Download> {
    const reader = this.#deps.links.check(id, variant, query);
    if (reader === undefined) throw new ProtocolError(ErrorCode.Forbidden, 'this link is not genuine or has expired; ask for a new one');
    if (reader.session !== undefined && (await this.#deps.sessions.findAuthSession(reader.session, this.#now())) === undefined) {
      throw new ProtocolError(ErrorCode.Forbidden, 'the session this link was made for has ended');
    }
    return this.downloadAs({ id: reader.user, name: '' }, id, variant);
  }

  /** The bytes of `id` for `user` (the server API's operator reads every room). */
  async downloadAs(user: UserRef, id: string, variant: FileVariant): Promise<Download> {
    const record = await this.#deps.store.file(id);
    if (record === undefined || !(await this.#mayRead(user, record, true))) throw fileNotFound(id);
    const hash = variant === 'thumb' ? record.thumbHash : record.hash;
    if (hash === undefined) throw fileNotFound(id);
    const stream = await this.#deps.blobs.open(hash);
    if (stream === undefined) throw fileNotFound(id);
    const inline = variant === 'thumb' || INLINE_TYPES.has(record.type);
    const contentType = variant === 'thumb' ? 'image/webp' : inline ? record.type : UNKNOWN_TYPE;
    return { stream, contentType, inline, size: variant === 'thumb' ? -1 : record.size, name: record.name };
  }

  /** Drops the records nobody can reach and the blobs none refers to; answers how many blobs went. */
  async collect(): Promise<number> {
    const hashes = await this.#deps.store.collect(this.#now() - this.#deps.unattachedTtlMs);
    await this.deleteBlobs(hashes);
    return hashes.length;
  }

  /** Deletes blobs a store call said nothing refers to (checked again: an upload may have come since). */
  async deleteBlobs(hashes: readonly string[]): Promise<void> {
    for (const hash of hashes) {
      try {
        if (!(await this.#deps.store.referenced(hash))) await this.#deps.blobs.delete(hash);
      } catch (error) {
        this.#deps.log.warn({ err: error, hash }, 'could not delete a file blob; the next collection retries');
      }
    }
  }

  /**
   * Whether `user` may read the file now. A refusal by the room (not a member, banned) is thrown
   * when `loud`, so a download answers 403; links() only leaves the file out.
   */
  async #mayRead(user: UserRef, record: FileRecord, loud = false): Promise<boolean> {
    if (record.seq === undefined || record.room === undefined) return record.uploader === user.id;
    try {
      await this.#deps.chat.roomInfo(user, record.room);
      return true;
    } catch (error) {
      if (loud && error instanceof ProtocolError && error.code !== ErrorCode.NotFound) throw error;
      if (error instanceof ProtocolError) return false;
      throw error;
    }
  }
}

/** A name to show: its last path segment, without control characters, at most Limits.fileNameMax. */
export function cleanName(raw: string): string {
  const last = raw.split(/[\\/]/).pop() ?? '';
  const printable = [...last].filter((char) => {
    const code = char.codePointAt(0) ?? 0;
    return code > 0x1f && (code < 0x7f || code > 0x9f);
  });
  const cut = printable
    .join('')
    .trim()
    .slice(0, Limits.fileNameMax * 2);
  const bounded = [...cut].slice(0, Limits.fileNameMax).join('');
  return bounded === '' || bounded === '.' || bounded === '..' ? 'file' : bounded;
}

function quotaSpent(daily: number): ProtocolError {
  const error = new ProtocolError(ErrorCode.QuotaExceeded, `you may upload ${daily} bytes per 24 hours; try again later`, 'file');
  error.retryAfterMs = 3_600_000;
  return error;
}

function fileNotFound(id: string): ProtocolError {
  return new ProtocolError(ErrorCode.NotFound, `no file ${id}`, 'file');
}
