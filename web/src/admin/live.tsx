// The live view: each process's latest figures and small charts of the last hour, read from
// /admin/live (the same counters /metrics serves) once per sample interval, never faster.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { LiveReply, LiveSample, ProcessLive } from '../../../src/protocol/console.js';
import type { AdminApi } from './api.js';
import { Note } from './note.js';

const FIGURES: { key: keyof Omit<LiveSample, 'at'>; label: string; unit: string }[] = [
  { key: 'connections', label: 'Connections', unit: '' },
  { key: 'users', label: 'Users online', unit: '' },
  { key: 'messagesPerSec', label: 'Messages', unit: '/s' },
  { key: 'deliveriesPerSec', label: 'Deliveries', unit: '/s' },
  { key: 'fanOutMs', label: 'Fan-out', unit: ' ms' },
  { key: 'storeMs', label: 'Store', unit: ' ms' },
  { key: 'brokerLagMs', label: 'Broker lag', unit: ' ms' },
  { key: 'loopDelayMs', label: 'Event-loop delay', unit: ' ms' },
  { key: 'slowConsumersCut', label: 'Slow consumers cut', unit: '' },
  { key: 'rateLimited', label: 'Rate-limit hits', unit: '' },
];

export function LiveView({ api }: { api: AdminApi }): JSX.Element {
  const [live, setLive] = useState<LiveReply | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const read = (): void => {
      api.call<LiveReply>('GET', '/live').then(
        (reply) => {
          setLive(reply);
          setError(undefined);
          if (!stopped) timer = setTimeout(read, Math.max(2000, reply.intervalMs));
        },
        (failure: unknown) => {
          setError((failure as Error).message);
          if (!stopped) timer = setTimeout(read, 10_000);
        },
      );
    };
    read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api]);
  if (live === undefined) return <Note text={error ?? 'Reading the live figures…'} />;
  if (live.processes.length === 0) return <Note text="No samples yet: the first comes one interval after the server starts." />;
  return (
    <section aria-label="Live figures">
      <Note text={error} />
      {live.processes.map((process) => (
        <ProcessCard key={process.process} process={process} />
      ))}
    </section>
  );
}

function ProcessCard({ process }: { process: ProcessLive }): JSX.Element {
  const latest = process.samples.at(-1);
  return (
    <article class="console-card" data-testid="live-process" data-process={process.process}>
      <h2>
        {process.process} <small>up since {new Date(process.startedAt).toLocaleString()}</small>
      </h2>
      <div class="live-grid">
        {FIGURES.map(({ key, label, unit }) => (
          <figure key={key} class="live-figure" data-figure={key}>
            <figcaption>{label}</figcaption>
            <strong class="live-value">{latest === undefined ? '–' : `${round(latest[key])}${unit}`}</strong>
            <Sparkline values={process.samples.map((sample) => sample[key])} label={label} />
          </figure>
        ))}
      </div>
    </article>
  );
}

function round(value: number): string {
  return value >= 100 ? String(Math.round(value)) : String(Math.round(value * 100) / 100);
}

/** The last hour as a line, scaled to its own highest value. */
function Sparkline({ values, label }: { values: number[]; label: string }): JSX.Element {
  const width = 160;
  const height = 32;
  const top = Math.max(...values, 1e-9);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((value, index) => `${(index * step).toFixed(1)},${(height - (value / top) * (height - 2) - 1).toFixed(1)}`).join(' ');
  return (
    <svg class="sparkline" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${label} over the last hour`}>
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}
