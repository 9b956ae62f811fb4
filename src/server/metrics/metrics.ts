// Prometheus metrics, served at /metrics. Each server has its own registry (tests run several servers
// in one process). Hot-path rule: a message costs a constant number of metric updates, never one per
// recipient; deliveries are counted by adding the room's local size once.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Fan-out and store writes are sub-millisecond when healthy; the upper buckets catch stalls.
const FAST_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const LAG_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** What the document service has open, read when /metrics is scraped (no update on the hot path). */
export interface DocCounts {
  documents: number;
  editors: number;
}

export class Metrics {
  readonly registry = new Registry();

  readonly connections = this.#gauge('parley_connections', 'Open connections: WebSockets, HTTP fallback streams and room event streams');
  readonly connectionsTotal = this.#counter('parley_connections_total', 'Connections accepted (WebSocket and HTTP fallback sessions)');
  readonly upgradesRefused = this.#counter('parley_upgrades_refused_total', 'WebSocket upgrades refused before a connection existed, by reason', ['reason']);
  readonly disconnects = this.#counter('parley_disconnects_total', 'Connections closed, by close code', ['code']);
  readonly joins = this.#counter('parley_joins_total', 'Rooms joined by connections');
  readonly framesIn = this.#counter('parley_frames_in_total', 'Text frames received from clients');
  readonly messagesIn = this.#counter('parley_messages_in_total', 'Messages stored from sends (duplicates excluded)');
  readonly messagesOut = this.#counter('parley_messages_out_total', 'Message pushes handed to local connections (one per recipient)');
  readonly fanOut = this.#histogram('parley_fanout_seconds', 'Time to hand one broker publication to every local member of its room', FAST_BUCKETS);
  readonly slowConsumers = this.#counter(
    'parley_slow_consumers_dropped_total',
    'Connections closed with 4008 because their unsent bytes passed the outbox limit',
  );
  readonly rateLimited = this.#counter('parley_rate_limited_total', 'Requests refused with rate_limited, by kind (send or other)', ['kind']);
  // Per-connection and per-address bounds on bursts (docs/protocol.md, Limits).
  readonly busy = this.#counter('parley_busy_total', 'Requests refused with busy: the connection had the most requests in flight');
  readonly rateLimitedIp = this.#counter('parley_rate_limited_ip_total', "Sends refused with rate_limited by their address's shared send bucket");
  readonly quotaExceeded = this.#counter('parley_quota_exceeded_total', 'Sends and edits refused with quota_exceeded, by scope (ip or user)', ['scope']);
  readonly recoveryTruncated = this.#counter('parley_recovery_truncated_total', 'Joins whose replay stopped at the byte budget (recovered: false, replayFrom)');
  readonly refusals = this.#counter('parley_refusals_total', 'Requests refused with an error reply (before or by their handler), by error code', ['code']);
  readonly roomLimits = this.#counter(
    'parley_room_limits_total',
    'Room and reaction bounds hit, by limit: rooms_per_user, rooms_per_ip, reactions_per_message (refusals), rooms_list (a rooms reply cut short)',
    ['limit'],
  );
  readonly store = this.#histogram(
    'parley_store_seconds',
    "Store call latency, by operation (append includes waiting for the turn's batch to commit)",
    FAST_BUCKETS,
    ['op', 'outcome'],
  );
  // Connection edges (docs/api.md, Connection edges).
  readonly receiveLimitCloses = this.#counter(
    'parley_ws_receive_limit_closes_total',
    'WebSocket connections closed by a receive bound (fragments, chunks, payload, protocol)',
    ['limit'],
  );
  readonly httpRefusals = this.#counter('parley_http_refusals_total', 'HTTP connections or requests refused at the edge, by reason', ['reason']);
  readonly passwordWork = this.#counter('parley_password_work_total', 'Password hashes and verifications (argon2) that ran, by op (hash or verify)', ['op']);
  readonly passwordBusy = this.#counter(
    'parley_password_busy_total',
    'Registrations and logins refused with 503 busy because the password queue was full, by op',
    ['op'],
  );
  readonly opsRefused = this.#counter(
    'parley_ops_unauthorized_total',
    'Requests to /readyz or /metrics refused (401) for a missing or wrong PARLEY_METRICS_TOKEN, by path',
    ['path'],
  );
  readonly apiRequests = this.#counter(
    'parley_api_requests_total',
    'Server API (/api/v1) and incoming webhook (/hooks) requests answered, by route and status',
    ['route', 'status'],
  );
  readonly searchRefused = this.#counter('parley_search_refused_total', 'Searches refused with busy, by reason (connection or server)', ['reason']);
  readonly searchTruncated = this.#counter(
    'parley_search_truncated_total',
    'Searches answered early because their time budget ran out (the client continues from `from`)',
  );
  readonly webhookOutbox = this.#gauge(
    'parley_webhook_outbox_depth',
    'Webhook events queued for delivery, over every subscription (bound per subscription: PARLEY_WEBHOOK_OUTBOX_MAX)',
  );
  readonly webhookOutboxDeepest = this.#gauge(
    'parley_webhook_outbox_deepest',
    'Webhook events queued for the subscription with the most waiting; at parley_webhook_outbox_max it is disabled',
  );
  readonly webhookOutboxMax = this.#gauge(
    'parley_webhook_outbox_max',
    'The bound on webhook events queued for one subscription (PARLEY_WEBHOOK_OUTBOX_MAX); a subscription that reaches it is disabled',
  );
  readonly webhookAttempts = this.#counter('parley_webhook_attempts_total', 'Webhook delivery attempts by this process, by result (ok, failed)', ['result']);
  readonly webhookDisabled = this.#counter(
    'parley_webhook_disabled_total',
    'Webhook subscriptions this process disabled, by reason (failing: retries spent; outbox_full)',
    ['reason'],
  );
  readonly brokerLag = this.#histogram('parley_broker_lag_seconds', 'From publishing a message to the broker delivering it back to this process', LAG_BUCKETS);
  // Shared documents (docs/collaboration.md). The two gauges are read from the document service at
  // each scrape; everything else is one update per change, never one per editor it reaches.
  #docCounts: () => DocCounts = () => ({ documents: 0, editors: 0 });
  readonly docsOpen = this.#gauge('parley_docs_open', "Shared documents loaded in this process's memory (they unload when their last editor leaves)", (gauge) =>
    gauge.set(this.#docCounts().documents),
  );
  readonly docEditors = this.#gauge('parley_doc_editors', 'Document connections (y-websocket providers) open on this process', (gauge) =>
    gauge.set(this.#docCounts().editors),
  );
  readonly docUpdates = this.#counter(
    'parley_doc_updates_total',
    "Document updates applied to this process's copy, by source: editor (stored from an editor here), relay (stored by another process), restore (a version written back)",
    ['source'],
  );
  readonly docUpdatesRefused = this.#counter(
    'parley_doc_updates_refused_total',
    'Document updates refused, by reason: rate, too_large (closed 1009), doc_full, muted, archived, locked, builds_on_refused, store_failed',
    ['reason'],
  );
  readonly docAwarenessRefused = this.#counter(
    'parley_doc_awareness_refused_total',
    'Awareness (cursor) messages refused (too_large) or dropped (rate), by reason',
    ['reason'],
  );
  readonly docStoredBytes = this.#counter(
    'parley_doc_stored_bytes_total',
    'Bytes of document updates this process appended to the store (compacted snapshots not counted)',
  );
  readonly docCompaction = this.#histogram(
    'parley_doc_compaction_seconds',
    "Folding a document's stored updates into its snapshot: encoding, the store's merge and write, by outcome (ok, failed)",
    LAG_BUCKETS,
    ['outcome'],
  );
  readonly docRepairs = this.#counter(
    'parley_doc_repairs_total',
    'A document read again from the store because the relay may have missed an update, by trigger (resync: the broker reconnected; gap: a relayed update lacked one before it; periodic) and result (changed, unchanged, failed)',
    ['trigger', 'result'],
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
  }

  // Field initializers run in order, so `registry` exists by the time these are called.
  #counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** Has the gauges of parley_docs_open and parley_doc_editors read `counts` at every scrape. */
  watchDocs(counts: () => DocCounts): void {
    this.#docCounts = counts;
  }

  #gauge(name: string, help: string, read?: (gauge: Gauge) => void): Gauge {
    if (read === undefined) return new Gauge({ name, help, registers: [this.registry] });
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        read(this);
      },
    });
  }

  #histogram<L extends string = never>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []): Histogram<L> {
    return new Histogram({ name, help, buckets, labelNames, registers: [this.registry] });
  }
}
