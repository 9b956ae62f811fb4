// FailureCounter: failed attempts per key (an address, an account) in a fixed window. One process
// counts in memory (FailureLimiter); a cluster counts in Redis, so that spreading guesses over the
// processes behind a load balancer buys an attacker nothing.
import type { Redis } from 'ioredis';
import { FailureLimiter, type LimitState } from './limiter.js';

export interface FailureCounter {
  /** Whether `key` may try now. */
  check(key: string): Promise<LimitState>;
  fail(key: string): Promise<void>;
  /** A success forgets the key's failures. */
  reset(key: string): Promise<void>;
}

/** Makes the counter for one kind of key (`scope` keeps kinds apart in a shared store). */
export type FailureCounters = (scope: string, limit: number, windowMs: number) => FailureCounter;

export const memoryFailureCounters: FailureCounters = (_scope, limit, windowMs) => {
  const limiter = new FailureLimiter(limit, windowMs);
  return {
    check: (key) => Promise.resolve(limiter.check(key)),
    fail: (key) => Promise.resolve(limiter.fail(key)),
    reset: (key) => Promise.resolve(limiter.reset(key)),
  };
};

/**
 * Counters in Redis: INCR on `<prefix>fail:<scope>:<key>`, the window set by the first failure
 * (PEXPIRE ... NX), so every process sees the same count and the same moment it ends. While Redis
 * cannot be reached, each process counts in its own memory again (per-process limits, as with one
 * process) rather than refusing every login or letting every guess through.
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
      check: (key) =>
        orLocal(
          async () => {
            const name = keyOf(key);
            const [count, ttl] = await Promise.all([redis.get(name), redis.pttl(name)]);
            if (count === null || Number(count) < limit || ttl <= 0) return { retryAfterMs: 0 };
            return { retryAfterMs: ttl };
          },
          () => local.check(key),
        ),
      fail: (key) =>
        orLocal(
          async () => {
            const name = keyOf(key);
            await redis.multi().incr(name).pexpire(name, windowMs, 'NX').exec();
          },
          () => local.fail(key),
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
