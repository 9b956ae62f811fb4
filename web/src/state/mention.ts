// The mention rule: someone else's message names me (`ada`, `@ada`, any case, as a whole word).
import type { ChatMessage, UserRef } from '../../../src/client/index.js';

let cached: { name: string; pattern: RegExp } | undefined;

function patternFor(name: string): RegExp {
  // One person signed in per page: the pattern is built again only when the name changes.
  if (cached?.name !== name) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    cached = { name, pattern: new RegExp(`(?<![\\p{L}\\p{N}_])@?${escaped}(?![\\p{L}\\p{N}_])`, 'iu') };
  }
  return cached.pattern;
}

export function mentionsMe(message: ChatMessage, me: UserRef | undefined): boolean {
  if (me === undefined || message.from.id === me.id) return false;
  return patternFor(me.name).test(message.text);
}
