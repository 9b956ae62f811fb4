// The bounds of shared documents (docs/security.md lists them with their defaults).
export interface DocLimits {
  /** Largest Yjs update (one sync step 2 or update message) accepted; a larger frame closes with 1009. */
  maxUpdateBytes: number;
  /** Largest stored document (snapshot + updates since); past it, updates are refused. */
  maxDocBytes: number;
  /** Updates per second per connection, sustained, and the burst allowed. */
  updatesPerSecond: number;
  updateBurst: number;
  /** Largest awareness message, and awareness messages per second per connection (burst = 2×). */
  maxAwarenessBytes: number;
  awarenessPerSecond: number;
  /** Awareness client ids one connection may speak for (a tab has one). */
  maxAwarenessClients: number;
  /** Refusals (rate, size) after which the connection is closed with 1008. */
  refusalsBeforeClose: number;
  /** Compaction into the snapshot after this many updates, or this many bytes of updates. */
  compactEvery: number;
  compactBytes: number;
  /** A compaction saves the state as an "automatic" version when the last one is older than this, in ms. */
  autoVersionMs: number;
  /** Open editors per document. */
  maxEditors: number;
  /** How often a connection's rights (mute, ban, role) are read again, in ms. */
  recheckMs: number;
  /** How often a document of a cluster looks in the store for updates its relay missed, in ms. */
  repairMs: number;
  /** Bytes queued for one connection before it is closed as too slow (4008). */
  outboxLimit: number;
}

export const DEFAULT_DOC_LIMITS: DocLimits = {
  maxUpdateBytes: 1024 * 1024,
  maxDocBytes: 16 * 1024 * 1024,
  updatesPerSecond: 30,
  updateBurst: 120,
  maxAwarenessBytes: 4096,
  awarenessPerSecond: 20,
  maxAwarenessClients: 4,
  refusalsBeforeClose: 50,
  compactEvery: 500,
  compactBytes: 2 * 1024 * 1024,
  autoVersionMs: 10 * 60 * 1000,
  maxEditors: 200,
  recheckMs: 2000,
  repairMs: 5000,
  outboxLimit: 8 * 1024 * 1024,
};
