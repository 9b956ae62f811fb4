// One editor process of the documents bench's fan-out scenario (bench/docs.mjs forks several, so
// that applying every other editor's update is spread over processes instead of one event loop).
// Over IPC: the parent sends {base, room, first, count, rate}; this opens `count` providers and
// answers 'ready'; then {go: {t0, startAt, seconds}}: each editor inserts `{index.n@ms}` at its
// rate, `ms` the send time on the shared clock minus t0, and every arrival at another editor here
// gives one latency. {count} is answered {received}; finally {report} is answered {done: {sent, latencies, bySecond, cpuMs, texts, loopDelayP99Ms}}.
import { createHash } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as Y from 'yjs';
import { chat, editor, runQueueWaitMs, sharedClockMs, wait } from './doc-clients.mjs';

const STAMP = /\{(\d+)\.(\d+)@(\d+(?:\.\d+)?)\}/g;

process.once('message', async ({ base, room, first, count, rate }) => {
  const clients = [];
  const editors = [];
  for (let i = 0; i < count; i++) {
    const client = await chat(base, `e${first + i}`);
    clients.push(client);
    editors.push(await editor(base, client, room));
  }
  const latencies = [];
  /** Per whole second of the run (by send time): the latencies of the updates sent in it. */
  const bySecond = [];
  let t0 = 0;
  // The stamps are read from each arriving update itself (the provider applies it with itself as
  // origin), not from Y.Text's event delta: computing a delta walks the text from its start, which
  // at 2,450 arrivals a second per process made the reading, not the server, the slow part.
  editors.forEach((e, i) =>
    e.doc.on('update', (update, origin) => {
      if (origin !== e.provider) return;
      const now = sharedClockMs() - t0;
      for (const struct of Y.decodeUpdate(update).structs) {
        const str = struct.content?.str;
        if (typeof str !== 'string') continue;
        for (const match of str.matchAll(STAMP)) {
          if (Number(match[1]) === first + i) continue;
          const sentAt = Number(match[3]);
          latencies.push(now - sentAt);
          (bySecond[Math.max(0, Math.floor(sentAt / 1000))] ??= []).push(now - sentAt);
        }
      }
    }),
  );
  process.send({ ready: true });
  process.once('message', async ({ go }) => {
    t0 = go.t0;
    const cpuBefore = process.cpuUsage();
    const waitBefore = runQueueWaitMs();
    // How late this event loop runs: arrivals wait that long before they are read and timed.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const period = 1000 / rate;
    const until = go.startAt + go.seconds * 1000;
    let sent = 0;
    await wait(Math.max(0, go.startAt - sharedClockMs()));
    await Promise.all(
      editors.map(async (e, i) => {
        // Paced on the clock, not by sleeping a period after each insert: a late timer is caught up,
        // so the rate aimed for is the rate sent unless this process has no time to spare at all.
        const offset = Math.random() * period;
        for (let n = 0; ; n++) {
          const due = go.startAt + offset + n * period;
          if (due >= until) break;
          const early = due - sharedClockMs();
          if (early > 0) await wait(early);
          const stamp = (sharedClockMs() - t0).toFixed(2);
          e.text.insert(n % 2 === 0 ? 0 : e.text.length, `{${first + i}.${n}@${stamp}}`);
          sent++;
        }
      }),
    );
    process.send({ sent });
    // The parent asks how many arrivals there were until all are in (or it stops waiting), then for the report.
    process.on('message', (message) => {
      if (message.count) return void process.send({ received: latencies.length });
      const cpu = process.cpuUsage(cpuBefore);
      loopDelay.disable();
      const texts = editors.map((e) => createHash('sha256').update(e.text.toString()).digest('hex'));
      process.send(
        {
          done: {
            sent,
            latencies,
            cpuMs: (cpu.user + cpu.system) / 1000,
            texts,
            bySecond,
            runQueueWaitMs: runQueueWaitMs() - waitBefore,
            loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
          },
        },
        () => {
          for (const e of editors) e.destroy();
          for (const client of clients) client.close();
          process.exit(0);
        },
      );
    });
  });
});
