// The audit log: every admin and moderator act, newest first, paged back; exported as CSV or JSON
// (fetched with the token, then saved, since a plain link would carry no credential).
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { AuditEntry } from '../../../src/protocol/console.js';
import type { AdminApi } from './api.js';
import { ConsoleTable } from './table.js';
import { Note, useNote } from './note.js';

const PAGE = 100;

export function AuditView({ api }: { api: AdminApi }): JSX.Element {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [more, setMore] = useState(false);
  const [note, act] = useNote();
  const load = async (before?: number): Promise<void> => {
    const reply = await api.call<{ entries: AuditEntry[] }>('GET', `/audit?limit=${PAGE}${before === undefined ? '' : `&before=${before}`}`);
    setEntries((shown) => (before === undefined ? reply.entries : [...shown, ...reply.entries]));
    setMore(reply.entries.length === PAGE);
  };
  useEffect(() => void act(() => load(), '').then(() => undefined), [api]);
  const save = (format: 'csv' | 'json'): void =>
    void act(async () => {
      const text = format === 'csv' ? await api.text('/audit?format=csv&limit=200') : JSON.stringify(entries, null, 2);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([text], { type: format === 'csv' ? 'text/csv' : 'application/json' }));
      link.download = `parley-audit.${format}`;
      link.click();
      URL.revokeObjectURL(link.href);
    }, `saved parley-audit.${format}`);

  return (
    <section aria-label="Audit log">
      <div class="console-toolbar">
        <button type="button" class="button button-sm" onClick={() => save('csv')}>
          Export CSV
        </button>
        <button type="button" class="button button-sm" onClick={() => save('json')}>
          Export JSON
        </button>
      </div>
      <Note text={note === '' ? undefined : note} />
      <ConsoleTable columns={['When', 'Who', 'What', 'Room', 'On', 'Detail']} testId="audit">
        {entries.map((entry) => (
          <tr key={entry.id} data-action={entry.action}>
            <td>{new Date(entry.at).toLocaleString()}</td>
            <td>{entry.actor.name}</td>
            <td>{entry.action}</td>
            <td>{entry.room === undefined ? '' : `#${entry.room}`}</td>
            <td>{entry.target ?? ''}</td>
            <td>{entry.detail ?? ''}</td>
          </tr>
        ))}
      </ConsoleTable>
      {more && (
        <button type="button" class="link-button" onClick={() => void act(() => load(entries.at(-1)?.id), '')}>
          Older entries
        </button>
      )}
    </section>
  );
}
