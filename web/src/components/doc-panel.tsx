// The room's document tab: a CodeMirror 6 editor bound to the room's shared Y.Text with
// y-codemirror.next (others' cursors and selections with their names and colours), who is editing
// now, the connection state, and the version history (save, view, restore as a new change).
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { EditorView, basicSetup } from 'codemirror';
import { EditorState } from '@codemirror/state';
import * as Y from 'yjs';
import { yCollab } from 'y-codemirror.next';
import { useApp, useStore } from '../hooks.js';
import { DocSession, type DocSnapshot } from '../store/doc-session.js';
import type { DocVersion } from '../../../src/client/index.js';

export function DocPanel({ room }: { room: string }): JSX.Element {
  const store = useStore();
  const me = useApp((state) => state.me);
  const host = useRef<HTMLDivElement>(null);
  const [session, setSession] = useState<DocSession | undefined>(undefined);
  const [snapshot, setSnapshot] = useState<DocSnapshot | undefined>(undefined);
  // A refused change makes a fresh, read-only copy: the refused text is dropped from this screen too.
  const [readOnly, setReadOnly] = useState<string | undefined>(undefined);

  useEffect(() => {
    if (me === undefined || host.current === null) return;
    const opened = new DocSession(store.docUrl, room, me, () => store.ticket(room));
    const undoManager = new Y.UndoManager(opened.text);
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: opened.text.toJSON(),
        extensions: [
          basicSetup,
          EditorView.lineWrapping,
          EditorView.editable.of(readOnly === undefined),
          EditorState.readOnly.of(readOnly !== undefined),
          yCollab(opened.text, opened.provider.awareness, { undoManager }),
        ],
      }),
    });
    setSession(opened);
    setSnapshot(opened.snapshot);
    const stop = opened.subscribe(() => {
      setSnapshot(opened.snapshot);
      if (opened.snapshot.denied !== undefined && readOnly === undefined) setReadOnly(opened.snapshot.denied);
    });
    return () => {
      stop();
      view.destroy();
      undoManager.destroy();
      opened.destroy();
      setSession(undefined);
    };
  }, [store, room, me, readOnly]);

  const status = snapshot === undefined ? 'connecting' : snapshot.synced ? 'connected' : snapshot.status;
  return (
    <section class="doc-panel" aria-label={`Document of #${room}`}>
      <div class="doc-bar">
        <span class={`doc-status doc-status-${status}`} data-testid="doc-status">
          {status === 'connected' ? 'Saved on the server' : status === 'disconnected' ? 'Offline: your edits merge when back' : 'Connecting…'}
        </span>
        <ul class="doc-editors" aria-label="Editing now" data-testid="doc-editors">
          {(snapshot?.editors ?? []).map((editor) => (
            <li key={editor.clientId} style={{ borderColor: editor.color }}>
              {editor.name}
            </li>
          ))}
        </ul>
      </div>
      {readOnly !== undefined && (
        <p class="doc-readonly" role="status" data-testid="doc-readonly">
          Read-only: {readOnly}
        </p>
      )}
      <div class="doc-editor" ref={host} data-testid="doc-editor" />
      {session !== undefined && <Versions room={room} />}
    </section>
  );
}
DocPanel.displayName = 'DocPanel';

function Versions({ room }: { room: string }): JSX.Element {
  const store = useStore();
  const [versions, setVersions] = useState<DocVersion[]>([]);
  const [name, setName] = useState('');
  const [viewing, setViewing] = useState<{ version: DocVersion; text: string } | undefined>(undefined);
  const reload = (): void => void store.docVersions(room).then(setVersions, () => undefined);
  useEffect(reload, [store, room]);
  return (
    <details class="doc-versions" onToggle={reload}>
      <summary>Version history</summary>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void store.saveDocVersion(room, name.trim() || new Date().toLocaleString()).then(() => (setName(''), reload()));
        }}
      >
        <input aria-label="Version name" placeholder="Name this version" value={name} onInput={(event) => setName(event.currentTarget.value)} maxLength={200} />
        <button type="submit">Save version</button>
      </form>
      <ol>
        {versions.map((version) => (
          <li key={version.id}>
            <span>
              {version.name} · {new Date(version.ts).toLocaleString()}
            </span>
            <button type="button" onClick={() => void store.docVersion(room, version.id, false).then(setViewing)}>
              View
            </button>
            <button type="button" onClick={() => void store.docVersion(room, version.id, true).then(() => setViewing(undefined))}>
              Restore
            </button>
          </li>
        ))}
      </ol>
      {viewing !== undefined && (
        <figure>
          <figcaption>{viewing.version.name}</figcaption>
          <pre>{viewing.text}</pre>
        </figure>
      )}
    </details>
  );
}
Versions.displayName = 'Versions';
