// Files: what was uploaded (FileStore, the metadata, in the database of either engine) and where
// its bytes are (BlobStore: a directory under the data dir, or PostgreSQL for a cluster, so that
// every process serves every file). Bytes are content-addressed by their sha256: the same upload
// twice stores one blob, however many file records point at it.
import type { Readable } from 'node:stream';
import type { FileDescriptor } from '../../protocol/messages.js';

export interface NewFile {
  id: string;
  /** sha256 (hex) of the stored bytes (for an image, the re-encoded ones, without metadata). */
  hash: string;
  name: string;
  type: string;
  size: number;
  width?: number;
  height?: number;
  /** sha256 of the thumbnail's blob, for images. */
  thumbHash?: string;
  uploader: string;
  createdAt: number;
}

export interface FileRecord extends NewFile {
  /** Set once a `send` claimed the file: the room and the sender's cid, then the message's seq. */
  room?: string;
  cid?: string;
  seq?: number;
}

/** Why a claim was refused: unknown (or another's: the same answer, so ids cannot be probed), or attached elsewhere. */
export type ClaimRefusal = { refused: 'not_found' | 'attached'; id: string };

/** The descriptor a message carries (no hash, no uploader: readers need neither). */
export function describe(file: NewFile): FileDescriptor {
  const descriptor: FileDescriptor = { id: file.id, name: file.name, type: file.type, size: file.size };
  if (file.width !== undefined && file.height !== undefined) {
    descriptor.width = file.width;
    descriptor.height = file.height;
  }
  if (file.thumbHash !== undefined) descriptor.thumb = true;
  return descriptor;
}

/**
 * Contract (test/contract/file-store.contract.ts, on both engines):
 * - `claim` takes every id or none: each must be `uploader`'s and unclaimed, or claimed already by
 *   the same (room, cid) (a retried send); it answers the records in the order of `ids`.
 * - `release` gives back a claim whose message was not stored; `bind` records the message's seq.
 * - After `dropMessage` / `dropRoom` the files are gone for every reader (`file` is undefined).
 * - `collect` drops records never attached and older than `before`, and those of a message that is
 *   deleted or gone.
 * - `dropMessage`, `dropRoom` and `collect` answer the hashes (of files and thumbnails) that no
 *   record refers to any more: the blobs to delete.
 */
export interface FileStore {
  addFile(file: NewFile): Promise<void>;
  file(id: string): Promise<FileRecord | undefined>;
  /** Bytes `uploader` stored since `since` (ms), for the daily bound. */
  uploadedSince(uploader: string, since: number): Promise<number>;
  claim(ids: readonly string[], uploader: string, room: string, cid: string): Promise<FileRecord[] | ClaimRefusal>;
  release(ids: readonly string[], room: string, cid: string): Promise<void>;
  bind(ids: readonly string[], room: string, seq: number): Promise<void>;
  dropMessage(room: string, seq: number): Promise<string[]>;
  dropRoom(room: string): Promise<string[]>;
  collect(before: number): Promise<string[]>;
  /** Whether any record refers to `hash` (as its file or its thumbnail). */
  referenced(hash: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Contract (test/contract/blob-store.contract.ts): `put` moves a finished temporary file in under its
 * hash (a second put of the same hash keeps one copy and removes the temporary file); `open` streams
 * the bytes, or is undefined for an unknown hash; `delete` of an unknown hash is no error.
 */
export interface BlobStore {
  put(hash: string, tempFile: string): Promise<void>;
  open(hash: string): Promise<Readable | undefined>;
  delete(hash: string): Promise<void>;
  close(): Promise<void>;
}
