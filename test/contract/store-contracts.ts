// Every store contract, for one engine: each narrow interface has its own suite, and every engine
// runs all of them (sqlite-store.test.ts, postgres-store.test.ts).
import { runAccountStoreContract } from './account-store.contract.js';
import { runJoinedRoomStoreContract } from './joined-room-store.contract.js';
import { runMembershipStoreContract } from './membership-store.contract.js';
import { runMessageStoreContract } from './message-store.contract.js';
import { runReadMarkerStoreContract } from './read-marker-store.contract.js';
import { runRoomStoreContract } from './room-store.contract.js';
import { runUserStoreContract } from './user-store.contract.js';
import { runThreadFollowStoreContract } from './thread-follow-store.contract.js';
import type { ContractOptions, MakeFixture } from './store-fixture.js';

export function runStoreContracts(name: string, makeFixture: MakeFixture, options: ContractOptions = {}): void {
  runMessageStoreContract(name, makeFixture, options);
  runRoomStoreContract(name, makeFixture, options);
  runMembershipStoreContract(name, makeFixture, options);
  runReadMarkerStoreContract(name, makeFixture, options);
  runJoinedRoomStoreContract(name, makeFixture, options);
  runUserStoreContract(name, makeFixture, options);
  runAccountStoreContract(name, makeFixture, options);
  runThreadFollowStoreContract(name, makeFixture, options);
}
