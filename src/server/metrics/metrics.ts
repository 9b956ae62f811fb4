// Prometheus metrics, served at /metrics. Each server has its own registry (tests run several servers
// in one process). Hot-path rule: a message costs a constant number of metric updates, never one per
// recipient; deliveries are counted by adding the room's local size once.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Fan-out and store writes are sub-millisecond when healthy; the upper buckets catch stalls.
const FAST_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const LAG_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({ name: 'parley_connections', help: 'Open WebSocket connections', registers: [this.registry] });
  readonly connectionsTotal = new Counter({ name: 'parley_connections_total', help: 'WebSocket connections accepted', registers: [this.registry] });
  readonly upgradesRefused = new Counter({
    name: 'parley_upgrades_refused_total',
    help: 'WebSocket upgrades refused before a connection existed, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly disconnects = new Counter({
    name: 'parley_disconnects_total',
    help: 'Connections closed, by close code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly joins = new Counter({ name: 'parley_joins_total', help: 'Rooms joined by connections', registers: [this.registry] });
  readonly framesIn = new Counter({ name: 'parley_frames_in_total', help: 'Text frames received from clients', registers: [this.registry] });
  readonly messagesIn = new Counter({ name: 'parley_messages_in_total', help: 'Messages stored from sends (duplicates excluded)', registers: [this.registry] });
  readonly messagesOut = new Counter({
    name: 'parley_messages_out_total',
    help: 'Message pushes handed to local connections (one per recipient)',
    registers: [this.registry],
  });
  readonly fanOut = new Histogram({
    name: 'parley_fanout_seconds',
    help: 'Time to hand one broker publication to every local member of its room',
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  readonly slowConsumers = new Counter({
    name: 'parley_slow_consumers_dropped_total',
    help: 'Connections closed with 4008 because their unsent bytes passed the outbox limit',
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'parley_rate_limited_total',
    help: 'Requests refused with rate_limited, by kind (send or other)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly refusals = new Counter({
    name: 'parley_refusals_total',
    help: 'Frames refused before reaching a handler, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly store = new Histogram({
    name: 'parley_store_seconds',
    help: 'Store call latency, by operation (append includes waiting for the turn\'s batch to commit)',
    labelNames: ['op', 'outcome'] as const,
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  readonly brokerLag = new Histogram({
    name: 'parley_broker_lag_seconds',
    help: 'From publishing a message to the broker delivering it back to this process',
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
  }
}
