// The Broker contract against the in-process broker.
import { MemoryBroker } from '../../src/server/broker/memory.js';
import { runBrokerContract } from './broker.contract.js';

runBrokerContract('MemoryBroker', () => Promise.resolve({ open: () => Promise.resolve(new MemoryBroker()), dispose: () => Promise.resolve() }), {
  shared: false,
});
