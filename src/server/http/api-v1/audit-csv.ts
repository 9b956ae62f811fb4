// The audit log as CSV (RFC 4180): a header row, then one row per entry. A field is quoted when it
// holds a comma, quote or line break, and one that a spreadsheet would run as a formula (= + - @)
// is prefixed with a quote, since the log holds what users typed (room topics, names).
import type { AuditEntry } from '../../../protocol/console.js';

const COLUMNS = ['id', 'time', 'actor_id', 'actor_name', 'action', 'room', 'target', 'detail'] as const;

export function auditCsv(entries: readonly AuditEntry[]): string {
  const rows = entries.map((entry) =>
    [
      String(entry.id),
      new Date(entry.at).toISOString(),
      entry.actor.id,
      entry.actor.name,
      entry.action,
      entry.room ?? '',
      entry.target ?? '',
      entry.detail ?? '',
    ].map(field),
  );
  return [COLUMNS.join(','), ...rows.map((row) => row.join(','))].join('\r\n') + '\r\n';
}

function field(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
