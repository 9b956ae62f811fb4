// File rows as both engines return them (pg hands back BIGINTs as strings), mapped once.
import type { FileRecord } from './file-store.js';

type Int = number | string;

export interface FileRow {
  id: string;
  hash: string;
  name: string;
  type: string;
  size: Int;
  width: Int | null;
  height: Int | null;
  thumb_hash: string | null;
  uploader: string;
  created_at: Int;
  room: string | null;
  cid: string | null;
  seq: Int | null;
}

export function toFileRecord(row: FileRow): FileRecord {
  const record: FileRecord = {
    id: row.id,
    hash: row.hash,
    name: row.name,
    type: row.type,
    size: Number(row.size),
    uploader: row.uploader,
    createdAt: Number(row.created_at),
  };
  if (row.width !== null && row.height !== null) {
    record.width = Number(row.width);
    record.height = Number(row.height);
  }
  if (row.thumb_hash !== null) record.thumbHash = row.thumb_hash;
  if (row.room !== null) record.room = row.room;
  if (row.cid !== null) record.cid = row.cid;
  if (row.seq !== null) record.seq = Number(row.seq);
  return record;
}

/**
 * The condition on `files` of records no reader can reach: never attached and older than the cutoff
 * (`before`, the engine's placeholder), or attached to a message that is deleted or gone with its
 * room. The same SQL on both engines.
 */
export function unreachableFiles(before: string): string {
  return `(files.seq IS NULL AND files.created_at < ${before})
    OR (files.seq IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.room = files.room AND m.seq = files.seq AND m.deleted_at IS NULL))`;
}

/** Of the hashes given, those no record refers to. */
export function unreferenced(hashes: readonly string[], referenced: ReadonlySet<string>): string[] {
  return [...new Set(hashes)].filter((hash) => !referenced.has(hash));
}

/** How a claim of `ids` by `uploader` for (room, cid) goes, from the records found. */
export function claimOutcome(
  ids: readonly string[],
  found: ReadonlyMap<string, FileRecord>,
  uploader: string,
  room: string,
  cid: string,
): { refused: 'not_found' | 'attached'; id: string } | FileRecord[] {
  const records: FileRecord[] = [];
  for (const id of ids) {
    const record = found.get(id);
    if (record === undefined || record.uploader !== uploader) return { refused: 'not_found', id };
    const ours = record.room === room && record.cid === cid;
    if (record.room !== undefined && !ours) return { refused: 'attached', id };
    records.push(record);
  }
  return records;
}
