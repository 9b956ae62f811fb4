// The document tab's code (CodeMirror, Yjs) is loaded the first time a document is opened, so that
// the chat itself does not download it.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

type Panel = (props: { room: string }) => JSX.Element;

let loaded: Panel | undefined;

export function LazyDocPanel({ room }: { room: string }): JSX.Element {
  const [Panel, setPanel] = useState<Panel | undefined>(() => loaded);
  useEffect(() => {
    if (Panel !== undefined) return;
    void import('./doc-panel.js').then((module) => {
      loaded = module.DocPanel;
      setPanel(() => module.DocPanel);
    });
  }, [Panel]);
  return Panel === undefined ? <p class="doc-loading">Loading the document…</p> : <Panel room={room} />;
}
LazyDocPanel.displayName = 'LazyDocPanel';
