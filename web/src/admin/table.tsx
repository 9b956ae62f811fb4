import type { ComponentChildren, JSX } from 'preact';

/**
 * A console table: `columns` name the header cells (an empty name is the acts column, named for
 * screen readers only); the rows are the children.
 */
export function ConsoleTable({ columns, children, testId }: { columns: readonly string[]; children: ComponentChildren; testId?: string }): JSX.Element {
  return (
    <table class="console-table" data-testid={testId}>
      <thead>
        <tr>
          {columns.map((column, index) => (
            <th key={index}>{column === '' ? <span class="visually-hidden">Acts</span> : column}</th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
