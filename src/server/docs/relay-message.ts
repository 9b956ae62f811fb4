// What one process tells the others about a document over the DocRelay: an update (with its store
// id), an awareness update, or a lock change; each with the sender's node id, so that a process
// skips its own.
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';

export type RelayMessage =
  | { kind: 'update'; node: string; id: number; payload: Uint8Array }
  | { kind: 'awareness'; node: string; payload: Uint8Array }
  | { kind: 'lock'; node: string; locked: boolean };

const KINDS = ['update', 'awareness', 'lock'] as const;

export function encodeRelay(message: RelayMessage): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, KINDS.indexOf(message.kind));
  encoding.writeVarString(encoder, message.node);
  if (message.kind === 'update') {
    encoding.writeVarUint(encoder, message.id);
    encoding.writeVarUint8Array(encoder, message.payload);
  } else if (message.kind === 'awareness') {
    encoding.writeVarUint8Array(encoder, message.payload);
  } else {
    encoding.writeVarUint(encoder, message.locked ? 1 : 0);
  }
  return encoding.toUint8Array(encoder);
}

/** The message, or undefined for bytes no Parley process wrote (another version, garbage). */
export function decodeRelay(bytes: Uint8Array): RelayMessage | undefined {
  try {
    const decoder = decoding.createDecoder(bytes);
    const kind = KINDS[decoding.readVarUint(decoder)];
    const node = decoding.readVarString(decoder);
    if (kind === 'update') return { kind, node, id: decoding.readVarUint(decoder), payload: decoding.readVarUint8Array(decoder) };
    if (kind === 'awareness') return { kind, node, payload: decoding.readVarUint8Array(decoder) };
    if (kind === 'lock') return { kind, node, locked: decoding.readVarUint(decoder) === 1 };
    return undefined;
  } catch {
    return undefined;
  }
}
