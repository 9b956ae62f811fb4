// Counts renders per component, and the time spent rendering, for test/e2e/render-count.test.ts
// and bench/web-render.mjs only: it does anything only when the page was given
// `window.parleyRenders = {}` before the app started (an init script; nothing in the app sets it).
import { Fragment, options, type VNode } from 'preact';

declare global {
  interface Window {
    /** Renders by component: its displayName, else its function name (kept in unminified builds). */
    parleyRenders?: Record<string, number>;
    /** Milliseconds from each render pass's first component render to its commit, summed. */
    parleyRenderMs?: number;
  }
}

// `__r` is the hook preact calls right before a component renders and `__c` the one after a pass
// is committed to the DOM (preact/hooks and the devtools use both); the public `diffed` also fires
// for components that skipped their render.
type WithInternalHooks = typeof options & { __r?: (vnode: VNode) => void; __c?: (vnode: VNode, queue: unknown[]) => void };

export function installRenderProbe(): void {
  const counts = window.parleyRenders;
  if (counts === undefined) return;
  window.parleyRenderMs = 0;
  const hooks: WithInternalHooks = options;
  const render = hooks.__r;
  const commit = hooks.__c;
  let started: number | undefined;
  hooks.__r = (vnode) => {
    started ??= performance.now();
    render?.(vnode);
    const type = vnode.type;
    const name = type === Fragment ? 'Fragment' : typeof type === 'function' ? (type.displayName ?? type.name) : '';
    if (name !== '') counts[name] = (counts[name] ?? 0) + 1;
  };
  hooks.__c = (vnode, queue) => {
    commit?.(vnode, queue);
    if (started !== undefined) window.parleyRenderMs = (window.parleyRenderMs ?? 0) + performance.now() - started;
    started = undefined;
  };
}
