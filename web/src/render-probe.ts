// Counts renders per named component, for the render-count test and bench/web-render.mjs only: it
// does anything only when the page was given `window.parleyRenders = {}` before the app started
// (an init script; nothing in the app sets it).
import { options, type VNode } from 'preact';

declare global {
  interface Window {
    parleyRenders?: Record<string, number>;
  }
}

// `__r` is the hook preact calls right before a component renders (preact/hooks and the devtools
// use it too); the public `diffed` also fires for components that skipped their render.
type WithRenderHook = typeof options & { __r?: (vnode: VNode) => void };

export function installRenderProbe(): void {
  const counts = window.parleyRenders;
  if (counts === undefined) return;
  const hooks: WithRenderHook = options;
  const previous = hooks.__r;
  hooks.__r = (vnode) => {
    previous?.(vnode);
    const name = typeof vnode.type === 'function' ? vnode.type.displayName : undefined;
    if (name !== undefined) counts[name] = (counts[name] ?? 0) + 1;
  };
}
