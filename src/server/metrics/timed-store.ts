// Store latency, measured around every call of the real store without touching its code. A Proxy
// rather than a hand-written decorator: the store interfaces grow with features, and every method,
// present and future, of whichever of them `store` implements (the root passes the whole Store) is
// timed under its own name (`op` label) with no list to keep in step.
import type { Metrics } from './metrics.js';

const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function timedStore<S extends object>(store: S, metrics: Metrics): S {
  const histogram = metrics.store;
  const wrappers = new Map<string, unknown>();
  return new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      let wrapper = wrappers.get(key);
      if (wrapper === undefined) {
        const op = snakeCase(key);
        wrapper = (...args: unknown[]): unknown => {
          const started = performance.now();
          // Called on the real store, so its private fields work.
          const result: unknown = Reflect.apply(value, target, args);
          if (!(result instanceof Promise)) return result;
          return result.then(
            (resolved: unknown) => {
              histogram.observe({ op, outcome: 'ok' }, (performance.now() - started) / 1000);
              return resolved;
            },
            (error: unknown) => {
              histogram.observe({ op, outcome: 'error' }, (performance.now() - started) / 1000);
              throw error;
            },
          );
        };
        wrappers.set(key, wrapper);
      }
      return wrapper;
    },
  });
}
