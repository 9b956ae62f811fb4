// The console's live view of this process: every interval, the figures /metrics serves are read
// once and turned into one sample (rates and means over the interval), kept for the last hour.
// Nothing on the message path changes: the counters exist already; this only reads them.
import type { Metrics } from '../metrics/metrics.js';
import type { LiveSample } from '../../protocol/console.js';

export const SAMPLE_MS = 10_000;
/** Samples kept: an hour at the default interval. */
const KEEP = 360;

interface Totals {
  at: number;
  messages: number;
  deliveries: number;
  fanOutSum: number;
  fanOutCount: number;
  slow: number;
  limited: number;
  storeSum: number;
  storeCount: number;
  lagSum: number;
  lagCount: number;
}

export class LiveSampler {
  readonly #metrics: Metrics;
  readonly #users: () => number;
  readonly #now: () => number;
  readonly #samples: LiveSample[] = [];
  #last: Totals | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Told of each new sample (to share it with the other processes). */
  onSample: ((samples: readonly LiveSample[]) => void) | undefined;

  constructor(metrics: Metrics, users: () => number, now: () => number = Date.now) {
    this.#metrics = metrics;
    this.#users = users;
    this.#now = now;
  }

  start(intervalMs = SAMPLE_MS): void {
    void this.sample();
    this.#timer = setInterval(() => void this.sample(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  get samples(): readonly LiveSample[] {
    return this.#samples;
  }

  /** Reads the counters now; the first call only sets the baseline (a rate needs two readings). */
  async sample(): Promise<LiveSample | undefined> {
    const totals = await this.#totals();
    const last = this.#last;
    this.#last = totals;
    if (last === undefined) return undefined;
    const seconds = Math.max(0.001, (totals.at - last.at) / 1000);
    const mean = (sum: number, count: number, sumBefore: number, countBefore: number): number =>
      count > countBefore ? ((sum - sumBefore) / (count - countBefore)) * 1000 : 0;
    const sample: LiveSample = {
      at: totals.at,
      connections: await single(this.#metrics.connections),
      users: this.#users(),
      messagesPerSec: (totals.messages - last.messages) / seconds,
      deliveriesPerSec: (totals.deliveries - last.deliveries) / seconds,
      fanOutMs: mean(totals.fanOutSum, totals.fanOutCount, last.fanOutSum, last.fanOutCount),
      slowConsumersCut: totals.slow - last.slow,
      rateLimited: totals.limited - last.limited,
      storeMs: mean(totals.storeSum, totals.storeCount, last.storeSum, last.storeCount),
      brokerLagMs: mean(totals.lagSum, totals.lagCount, last.lagSum, last.lagCount),
      loopDelayMs: (await this.#loopDelay()) * 1000,
    };
    this.#samples.push(sample);
    if (this.#samples.length > KEEP) this.#samples.shift();
    this.onSample?.(this.#samples);
    return sample;
  }

  async #totals(): Promise<Totals> {
    const m = this.#metrics;
    const [fanOut, store, lag] = await Promise.all([histogram(m.fanOut), histogram(m.store), histogram(m.brokerLag)]);
    return {
      at: this.#now(),
      messages: await single(m.messagesIn),
      deliveries: await single(m.messagesOut),
      fanOutSum: fanOut.sum,
      fanOutCount: fanOut.count,
      slow: await single(m.slowConsumers),
      limited: (await single(m.rateLimited)) + (await single(m.rateLimitedIp)),
      storeSum: store.sum,
      storeCount: store.count,
      lagSum: lag.sum,
      lagCount: lag.count,
    };
  }

  async #loopDelay(): Promise<number> {
    const gauge = this.#metrics.registry.getSingleMetric('parley_nodejs_eventloop_lag_p99_seconds');
    if (gauge === undefined) return 0;
    const { values } = await gauge.get();
    return values[0]?.value ?? 0;
  }
}

interface Readable {
  get(): Promise<{ values: { value: number; metricName?: string }[] }> | { values: { value: number; metricName?: string }[] };
}

/** A counter's or gauge's total over all its labels. */
async function single(metric: Readable): Promise<number> {
  const { values } = await metric.get();
  return values.reduce((total, entry) => total + entry.value, 0);
}

/** A histogram's sum (seconds) and count over all its labels. */
async function histogram(metric: Readable): Promise<{ sum: number; count: number }> {
  const { values } = await metric.get();
  let sum = 0;
  let count = 0;
  for (const entry of values) {
    if (entry.metricName?.endsWith('_sum') === true) sum += entry.value;
    else if (entry.metricName?.endsWith('_count') === true) count += entry.value;
  }
  return { sum, count };
}
