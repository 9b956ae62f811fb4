// The rules for room names and account usernames, in a module of their own with no TypeBox in it:
// the web app checks a name before sending it with the same pattern the server's schemas use, and
// importing messages.ts would bundle the schemas into the browser.

/** Every room name: lower-case letters, digits, `_` and `-`, at most 64, not starting with `_`/`-`. */
export const ROOM_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';

/** Room names starting with this are DM rooms; nobody may create or implicitly join one. */
export const DM_PREFIX = 'dm-';

export function isDmRoom(room: string): boolean {
  return room.startsWith(DM_PREFIX);
}

/** Account usernames: letters, digits, `_`, `.`, `-`; unique case-insensitively (stored lower-case). */
export const USERNAME_PATTERN = '^[A-Za-z0-9_.-]{3,32}$';
