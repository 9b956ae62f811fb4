// A component drawn again only when one of its props changed (by identity): what keeps a list of
// a thousand rows from redrawing every row when one is added. preact/compat has `memo`, but
// importing compat changes how the whole app's events and props behave.
import { Component, h, type ComponentType, type FunctionComponent } from 'preact';

function differs<P extends object>(before: P, after: P): boolean {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) if (!Object.is(Reflect.get(before, key), Reflect.get(after, key))) return true;
  return false;
}

/** `render` behind a props check; `name` names it in render counts (test/e2e/render-count.test.ts). */
export function memo<P extends object>(render: FunctionComponent<P>, name: string): ComponentType<P> {
  render.displayName = name;
  class Memo extends Component<P> {
    static override displayName = `Memo(${name})`;
    override shouldComponentUpdate(next: P): boolean {
      return differs(this.props, next);
    }
    override render(props: P): ReturnType<FunctionComponent<P>> {
      return h(render, props);
    }
  }
  return Memo;
}
