// What a store that failed (a full disk, PostgreSQL unreachable) means to a client. The chat service
// is the layer that calls the stores, so it is the one that knows their error types: every request
// it runs turns a StoreError into this (ChatService#request), and a session sees only the protocol
// error and never imports the store.
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { StoreError } from '../store/store.js';

/** The `store_failed` refusal when `error` is the store failing, else undefined. */
export function storeFailure(error: unknown): ProtocolError | undefined {
  if (!(error instanceof StoreError)) return undefined;
  return new ProtocolError(ErrorCode.StoreFailed, 'the message could not be stored; nothing was sent');
}
