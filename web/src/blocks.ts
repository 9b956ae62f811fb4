// Message text → blocks: fenced code (```), quotes (> …), bulleted and numbered lists, and the plain
// text between them. Like format.ts, nothing here is HTML: the renderer makes DOM nodes of it, and
// a code block's text is shown exactly as typed (no inline markup inside it).

export type Block =
  { kind: 'text'; text: string } | { kind: 'code'; text: string } | { kind: 'quote'; text: string } | { kind: 'list'; ordered: boolean; items: string[] };

const FENCE = /^\s*```/;
const QUOTE = /^>\s?(.*)$/;
const BULLET = /^\s*[-*•]\s+(.*)$/;
const NUMBERED = /^\s*\d{1,3}[.)]\s+(.*)$/;

/** The blocks of `text`; a text without any markup is one text block, unchanged. */
export function blocksOf(text: string): Block[] {
  if (!text.includes('```') && !/^\s*(?:>|[-*•]\s|\d{1,3}[.)]\s)/m.test(text)) return [{ kind: 'text', text }];
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let plain: string[] = [];
  const flush = (): void => {
    if (plain.length > 0) blocks.push({ kind: 'text', text: plain.join('\n') });
    plain = [];
  };
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] ?? '';
    if (FENCE.test(line)) {
      // An unclosed fence runs to the end of the message: it is still code the author is showing.
      const end = lines.findIndex((candidate, at) => at > index && /^\s*```\s*$/.test(candidate));
      const stop = end === -1 ? lines.length : end;
      const first = line.replace(FENCE, '').trim();
      // ```js on its own line names a language; text after ``` on the same line is code.
      const body = [...(first === '' || /^[\w+-]+$/.test(first) ? [] : [first]), ...lines.slice(index + 1, stop)];
      flush();
      blocks.push({ kind: 'code', text: body.join('\n') });
      index = stop + 1;
      continue;
    }
    const run = takeRun(lines, index);
    if (run === undefined) {
      plain.push(line);
      index += 1;
      continue;
    }
    flush();
    blocks.push(run.block);
    index = run.next;
  }
  flush();
  return blocks;
}

/** A quote or a list starting at `start`, with the index of the line after it. */
function takeRun(lines: readonly string[], start: number): { block: Block; next: number } | undefined {
  const first = lines[start] ?? '';
  for (const [pattern, make] of [
    [QUOTE, (items: string[]): Block => ({ kind: 'quote', text: items.join('\n') })],
    [BULLET, (items: string[]): Block => ({ kind: 'list', ordered: false, items })],
    [NUMBERED, (items: string[]): Block => ({ kind: 'list', ordered: true, items })],
  ] as const) {
    if (!pattern.test(first)) continue;
    const items: string[] = [];
    let next = start;
    for (let match = pattern.exec(lines[next] ?? ''); match !== null && next < lines.length; match = pattern.exec(lines[next] ?? '')) {
      items.push(match[1] ?? '');
      next += 1;
    }
    return { block: make(items), next };
  }
  return undefined;
}
