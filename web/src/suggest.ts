// `@` and `#` in the composer: the word being typed at the caret, the people or rooms it may name,
// and the text with the chosen one put in its place. Pure, like state/.
import type { UserRef } from '../../src/client/index.js';

const MAX = 8;

/** The `@name` or `#room` being typed just before `caret`, if any. */
export interface Partial {
  sigil: '@' | '#';
  /** What follows the sigil so far. */
  term: string;
  /** Where the sigil is. */
  start: number;
}

export function partialAt(text: string, caret: number): Partial | undefined {
  const match = /(?:^|\s)([@#])([^\s@#]{0,64})$/.exec(text.slice(0, caret));
  if (match === null) return undefined;
  const sigil = match[1] === '#' ? '#' : '@';
  const term = match[2] ?? '';
  return { sigil, term, start: caret - term.length - 1 };
}

export interface Suggestion {
  /** What goes into the text after the sigil. */
  insert: string;
  label: string;
  key: string;
}

/** People whose name starts with the term come first, then those whose name contains it. */
export function suggestPeople(users: readonly UserRef[], term: string): Suggestion[] {
  return rank(users, term, (user) => user.name).map((user) => ({ insert: user.name, label: user.name, key: user.id }));
}

export function suggestRooms(rooms: readonly string[], term: string): Suggestion[] {
  return rank(rooms, term, (room) => room).map((room) => ({ insert: room, label: `#${room}`, key: room }));
}

function rank<T>(items: readonly T[], term: string, name: (item: T) => string): T[] {
  const needle = term.toLowerCase();
  const starts: T[] = [];
  const contains: T[] = [];
  for (const item of items) {
    const at = name(item).toLowerCase().indexOf(needle);
    if (at === 0) starts.push(item);
    else if (at > 0) contains.push(item);
  }
  return [...starts, ...contains].slice(0, MAX);
}

/** The text with the partial word replaced by the choice and a space, and where the caret goes. */
export function accept(text: string, caret: number, partial: Partial, choice: Suggestion): { text: string; caret: number } {
  const inserted = `${partial.sigil}${choice.insert} `;
  const after = text.slice(caret).replace(/^ /, '');
  return { text: text.slice(0, partial.start) + inserted + after, caret: partial.start + inserted.length };
}
