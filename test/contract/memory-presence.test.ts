// The Presence contract against the one-process implementation.
import { MemoryPresence } from '../../src/server/presence/memory.js';
import { runPresenceContract } from './presence.contract.js';

runPresenceContract('MemoryPresence', () => Promise.resolve({ open: () => Promise.resolve(new MemoryPresence()), dispose: () => Promise.resolve() }), {
  shared: false,
});
