// FailureCounter: attempts per key (an address, an account) in a fixed window. One process counts in
// memory (FailureLimiter); a cluster counts in Redis, so that spreading guesses over the processes
// behind a load balancer buys an attacker nothing. Both reserve a slot atomically before the work
// it guards (a password check), so that with a limit of N at most N attempts per key and window
// ever reach that work, however many arrive at once.
import type { Redis } from 'ioredis';
import { FailureLimiter, type LimitState } from './limiter.js';

export interface FailureCounter {
  /** Takes one of `key`'s attempts, or refuses (retryAfterMs > 0, nothing taken) when none is left. */
  reserve(key: string): Promise<LimitState>;
  /** Gives back a reserved attempt that was not a failure (a success, or work that never ran). */
  refund(key: string): Promise<void>;
  /** A success forgets the key's failures. */
  reset(key: string): Promise<void>;
}

/** Makes the counter for one kind of key (`scope` keeps kinds apart in a shared store). */
export type FailureCounters = (scope: string, limit: number, windowMs: number) => FailureCounter;

export const memoryFailureCounters: FailureCounters = (_scope, limit, windowMs) => {
  const limiter = new FailureLimiter(limit, windowMs);
  return {
    reserve: (key) => Promise.resolve(limiter.reserve(key)),
    refund: (key) => Promise.resolve(limiter.refund(key)),
    reset: (key) => Promise.resolve(limiter.reset(key)),
  };
};

// INCR, then compare: one script, so Redis runs it without any other client's command in between.
// The first attempt starts the window (PEXPIRE NX); a refused attempt is taken back at once, so the
// count is exactly the attempts that hold a slot. Answers 0 (reserved) or the ms until the window ends.
const RESERVE = `
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2], 'NX')
if n <= tonumber(ARGV[1]) then return 0 end
redis.call('DECR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then return 1 end
return ttl
`;
// Never below zero: a refund that comes after its window ended must not lend the next window a slot.
const REFUND = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

/**
 * Counters in Redis on `<prefix>fail:<scope>:<key>`, so every process sees the same count and the
 * same moment the window ends. While Redis cannot be reached, each process counts in its own memory
 * again (per-process limits, as with one process) rather than refusing every login or letting every
 * guess through.
 */
export function redisFailureCounters(redis: Redis, prefix: string, onError: (error: Error) => void): FailureCounters {
  return (scope, limit, windowMs) => {
    const local = memoryFailureCounters(scope, limit, windowMs);
    const keyOf = (key: string): string => `${prefix}fail:${scope}:${key}`;
    const orLocal = async <T>(shared: () => Promise<T>, fallback: () => Promise<T>): Promise<T> => {
      try {
        return await shared();
      } catch (error) {
        onError(error as Error);
        return fallback();
      }
    };
    return {
      reserve: (key) =>
        orLocal(
          async () => ({ retryAfterMs: Number(await redis.eval(RESERVE, 1, keyOf(key), limit, windowMs)) }),
          () => local.reserve(key),
        ),
      refund: (key) =>
        orLocal(
          async () => {
            await redis.eval(REFUND, 1, keyOf(key));
          },
          () => local.refund(key),
        ),
      reset: (key) =>
        orLocal(
          async () => {
            await redis.del(keyOf(key));
          },
          () => local.reset(key),
        ),
    };
  };
}
