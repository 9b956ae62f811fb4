// Message text → a small tree of tokens: text, links, **bold**, _italic_ and `code`. Nothing in a
// message is ever HTML: the renderer turns tokens into DOM nodes whose text is text.

export type Token =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'link'; href: string; text: string }
  | { kind: 'bold'; children: Token[] }
  | { kind: 'italic'; children: Token[] };

const CODE = /`([^`\n]+)`/g;
// http(s) only: no javascript:, data: or other schemes can become a link.
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const BOLD = /\*\*(?=\S)([\s\S]*?\S)\*\*/g;
// Underscores inside words (snake_case) stay literal.
const ITALIC = /(^|[^\p{L}\p{N}_])_(?=\S)([^_]*?\S)_(?![\p{L}\p{N}_])/gu;

export function tokenize(text: string): Token[] {
  return splitBy(text, CODE, (match) => [{ kind: 'code', text: match[1] ?? '' }], links);
}

function links(text: string): Token[] {
  return splitBy(
    text,
    URL_PATTERN,
    (match) => {
      const { url, rest } = trimUrl(match[0]);
      const tokens: Token[] = [{ kind: 'link', href: url, text: url }];
      if (rest !== '') tokens.push(...bold(rest));
      return tokens;
    },
    bold,
  );
}

function bold(text: string): Token[] {
  return splitBy(text, BOLD, (match) => [{ kind: 'bold', children: italic(match[1] ?? '') }], italic);
}

function italic(text: string): Token[] {
  return splitBy(
    text,
    ITALIC,
    (match) => {
      const lead = match[1] ?? '';
      const tokens: Token[] = lead === '' ? [] : [{ kind: 'text', text: lead }];
      tokens.push({ kind: 'italic', children: [{ kind: 'text', text: match[2] ?? '' }] });
      return tokens;
    },
    (plain) => (plain === '' ? [] : [{ kind: 'text', text: plain }]),
  );
}

/** Trailing punctuation is usually the sentence's, not the URL's; a closing paren only if unbalanced. */
function trimUrl(raw: string): { url: string; rest: string } {
  let url = raw;
  while (url.length > 0) {
    const last = url.at(-1) ?? '';
    if ('.,;:!?*_'.includes(last)) url = url.slice(0, -1);
    else if (last === ')' && count(url, '(') < count(url, ')')) url = url.slice(0, -1);
    else break;
  }
  return { url, rest: raw.slice(url.length) };
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

function splitBy(text: string, pattern: RegExp, onMatch: (match: RegExpExecArray) => Token[], between: (text: string) => Token[]): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    if (match.index > last) tokens.push(...between(text.slice(last, match.index)));
    tokens.push(...onMatch(match));
    last = match.index + match[0].length;
    if (match[0].length === 0) pattern.lastIndex += 1;
  }
  if (last < text.length) tokens.push(...between(text.slice(last)));
  return tokens;
}

/** A message's text on one line, cut at 80 characters: what a quote or a "Replying to" shows. */
export function excerptOf(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
