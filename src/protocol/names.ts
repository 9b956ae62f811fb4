// The name rule: one function for every name a person is shown by (guest nicks in hello and in
// plain mode's ?nick=, the names in external tokens, account usernames, which are also limited to
// ASCII by their own pattern). A name is shown next to other people's, so besides control
// characters it may not hold anything that renders as nothing or hides what it is: invisible and
// formatting characters (zero-width, bidi overrides, tag characters, soft hyphen), letters that
// draw as blank (Hangul fillers, Braille blank), lone variation selectors and combining marks,
// exotic spaces. Two names that look alike are the same name: they compare by nameSkeleton.
import { wellFormed } from './text.js';
import { Limits } from './limits.js';

export const NAME_MAX = Limits.nickMax;
/** Combining marks one character may carry (more is "Zalgo" text that spills over its neighbours). */
export const MARKS_MAX = 4;

export type NameCheck = { ok: true; name: string } | { ok: false; message: string };

// Letters that are not Default_Ignorable in Unicode but draw as nothing in every font that has them.
const BLANK_LOOKING = new Set([0x2800, 0x3164, 0x115f, 0x1160, 0xffa0]);
const CONTROL = /\p{Cc}/u;
const VARIATION_SELECTOR = /\p{Variation_Selector}/u;
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;
const SPACE_LIKE = /\p{Z}/u;
const UNASSIGNED = /[\p{Co}\p{Cn}]/u;
const MARK = /\p{M}/u;

const hex = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Checks a name and gives its form to use: well-formed, NFC, without leading or trailing spaces.
 * A refusal's message names the rule and the first character that breaks it.
 */
export function checkName(raw: string): NameCheck {
  const name = wellFormed(raw)
    .normalize('NFC')
    .replace(/^ +| +$/g, '');
  const chars = [...name];
  if (chars.length === 0) return { ok: false, message: 'must not be blank' };
  if (chars.length > NAME_MAX) return { ok: false, message: `must be at most ${NAME_MAX} characters` };
  let previous = '';
  let marks = 0;
  for (const char of chars) {
    const cp = char.codePointAt(0) ?? 0;
    const at = ` (${hex(cp)})`;
    const base = previous !== '' && previous !== ' ';
    if (CONTROL.test(char)) return { ok: false, message: `control characters are not allowed${at}` };
    if (BLANK_LOOKING.has(cp)) return { ok: false, message: `characters that look blank are not allowed${at}` };
    if (VARIATION_SELECTOR.test(char)) {
      if (!base || MARK.test(previous) || VARIATION_SELECTOR.test(previous)) {
        return { ok: false, message: `a variation selector must directly follow the character it varies${at}` };
      }
    } else if (INVISIBLE.test(char)) {
      return { ok: false, message: `invisible and formatting characters (zero-width, bidi controls, tags, soft hyphen) are not allowed${at}` };
    } else if (char === ' ') {
      if (previous === ' ') return { ok: false, message: 'words are separated by one space, not several' };
    } else if (SPACE_LIKE.test(char)) {
      return { ok: false, message: `the only space allowed is the plain space (U+0020)${at}` };
    } else if (UNASSIGNED.test(char)) {
      return { ok: false, message: `unassigned and private-use characters are not allowed${at}` };
    } else if (MARK.test(char)) {
      if (!base) return { ok: false, message: `a combining mark must follow the letter it marks${at}` };
      if (++marks > MARKS_MAX) return { ok: false, message: `at most ${MARKS_MAX} combining marks on one character` };
      previous = char;
      continue;
    }
    if (!MARK.test(char) && !VARIATION_SELECTOR.test(char)) marks = 0;
    previous = char;
  }
  return { ok: true, name };
}

/**
 * What two names are compared by: NFKC with case folded (upper then lower, so that `ß`/`ss`, `ς`/`σ`
 * meet) and NFKC again, so that 'bob', 'BOB' and 'Ｂｏｂ' are one name. For ASCII it is the
 * lower-case form, which is how account usernames have always been stored.
 */
export function nameSkeleton(name: string): string {
  return wellFormed(name).normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}
