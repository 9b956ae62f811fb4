// UserStore: every user that said hello (guest, account or external), by id.
import type { UserKind, UserRef } from '../../protocol/messages.js';

/** Contract: test/contract/user-store.contract.ts, on every implementation. */
export interface UserStore {
  /** Records the user (first seen, or seen again at `now` under this name). */
  recordUser(user: UserRef, kind: UserKind, now: number): Promise<void>;
  /** A user recorded by `recordUser` (or `createAccount`), or undefined. */
  findUser(id: string): Promise<UserRef | undefined>;
}
