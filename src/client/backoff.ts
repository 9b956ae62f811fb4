// Reconnect delays: exponential growth with "equal jitter" (half fixed, half random), so a server
// restart is not met by every client at the same instant, and no client waits longer than maxMs.

export interface BackoffOptions {
  /** First delay, in ms (default 500). */
  initialMs?: number;
  /** Largest delay, in ms (default 15000). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
}

export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialMs ?? 500;
  const max = options.maxMs ?? 15_000;
  const factor = options.factor ?? 2;
  const ceiling = Math.min(max, initial * factor ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
