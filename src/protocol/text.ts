// Well-formed text: a JSON frame may spell a lone surrogate (`"\udc00"`), which JSON.parse turns into
// a string no UTF-8 encoder can write. Left in, the same message would reach live members with the
// escape kept (JSON.stringify) and come back from history as U+FFFD (the store's UTF-8 round trip).
// Every string a client sends is therefore made well-formed once, where its frame or body is
// decoded: each lone surrogate becomes U+FFFD, the same thing every later reader would see anyway.

// String.prototype.isWellFormed / toWellFormed are in Node 20 (V8 11.3); the ES2023 lib this
// project compiles against does not declare them yet.
declare global {
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

export function wellFormed(text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed();
}

/** A JSON text may hold a lone surrogate only as a `\uD800`..`\uDFFF` escape (raw text is decoded UTF-8). */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Whether the JSON `text` might decode to a string that is not well-formed; false means it cannot. */
export function mayHoldLoneSurrogate(text: string): boolean {
  return SURROGATE_ESCAPE.test(text);
}

/** `value` (parsed JSON) with every string in it, keys included, made well-formed; in place where it can. */
export function wellFormedDeep(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = wellFormedDeep(value[i]);
    return value;
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const fixed = wellFormed(key);
      const inner = wellFormedDeep(record[key]);
      if (fixed !== key) delete record[key];
      record[fixed] = inner;
    }
    return record;
  }
  return value;
}
