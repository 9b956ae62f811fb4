// When a failed delivery is tried again: PARLEY_WEBHOOK_RETRY_SCHEDULE lists the waits after the
// 1st, 2nd, ... failure (`5s,5m,30m,2h,5h,10h,10h` by default: over 27 hours in all, growing
// roughly exponentially); each wait gets up to 20% of random jitter on top, so that the retries of
// many subscriptions failing at once do not arrive together. After the last one the subscription
// is disabled.
export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const STEP = /^(\d{1,9})(ms|s|m|h|d)$/;

/** The waits in milliseconds; throws on a step that is not `<number><ms|s|m|h|d>`. */
export function parseSchedule(text: string): number[] {
  const steps = text
    .split(',')
    .map((step) => step.trim())
    .filter((step) => step !== '');
  if (steps.length === 0 || steps.length > 100) throw new Error('PARLEY_WEBHOOK_RETRY_SCHEDULE: 1 to 100 waits, such as 5s,5m,30m,2h');
  return steps.map((step) => {
    const match = STEP.exec(step);
    if (match === null) throw new Error(`PARLEY_WEBHOOK_RETRY_SCHEDULE: "${step}" is not a wait such as 30s, 5m or 2h`);
    return Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? 1000);
  });
}

/** The wait after failure number `failures` (from 1), or undefined when the schedule is spent. */
export function retryDelay(schedule: readonly number[], failures: number, random: () => number = Math.random): number | undefined {
  const base = schedule[failures - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (1 + 0.2 * random()));
}
