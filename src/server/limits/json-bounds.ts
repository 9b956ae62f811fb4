// A bound on the shape of a JSON frame, checked by one pass over the text before JSON.parse and the
// schema run: 64 KiB of `[[[[…` or of 10,000 tiny fields costs the parser, the validator and the
// error reporter far more than its size suggests, and no protocol v1 command needs more than depth 1
// and a handful of fields. The pass looks only at brackets, colons, commas and string boundaries.

export interface JsonBounds {
  /** Most nested objects/arrays (a command object alone is depth 1). */
  maxDepth: number;
  /** Most object fields plus array elements, over the whole frame. */
  maxFields: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

// Whether each open container is an array. Reused across calls: the scan is synchronous.
let isArray = new Uint8Array(64);

/**
 * Null when the text stays within the bounds, otherwise which bound it breaks. Invalid JSON is not
 * judged here (JSON.parse does that next); for valid JSON the counts are exact: each object field
 * has one colon, and an array of n elements has n - 1 commas plus a first element.
 */
export function exceedsBounds(text: string, bounds: JsonBounds): 'depth' | 'fields' | null {
  const { maxDepth, maxFields } = bounds;
  if (isArray.length <= maxDepth) isArray = new Uint8Array(maxDepth + 1);
  let depth = 0;
  let fields = 0;
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return null; // unterminated: JSON.parse will refuse it
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return 'depth';
      const array = c === OPEN_BRACKET;
      isArray[depth] = array ? 1 : 0;
      if (array && firstNonSpace(text, i + 1) !== CLOSE_BRACKET && ++fields > maxFields) return 'fields';
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth > 0) depth--;
    } else if (c === COLON || (c === COMMA && isArray[depth] === 1)) {
      if (++fields > maxFields) return 'fields';
    }
  }
  return null;
}

/**
 * Index of the quote that closes the string opened at `open`, or -1. indexOf skips the string's
 * body at native speed (message text is most of a frame's bytes); a quote preceded by an odd run of
 * backslashes is escaped and the search goes on.
 */
function stringEnd(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at < 0) return -1;
    let slashes = 0;
    while (text.charCodeAt(at - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return at;
  }
}

function firstNonSpace(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
  }
  return -1;
}
