// What the app remembers between visits, in localStorage (which may be unavailable: private modes).
const KEY = {
  nick: 'parley.nick',
  resume: 'parley.resume',
  rooms: 'parley.rooms',
  active: 'parley.active',
  token: 'parley.token',
  closedDms: 'parley.closed-dms',
  outbox: 'parley.outbox',
} as const;

/** A message sent but not acknowledged when the page went away: sent again, same cid, on the next visit. */
export interface SavedSend {
  room: string;
  text: string;
  cid: string;
  replyTo?: number;
  /** A thread reply goes out again into its thread, with its files. */
  thread?: number;
  alsoInRoom?: true;
  files?: string[];
}

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Not remembering is fine.
  }
}

export const saved = {
  nick: (): string | null => read(KEY.nick),
  setNick: (nick: string | null): void => write(KEY.nick, nick),
  /** The session token of a signed-in account (kept until sign-out or until the server refuses it). */
  token: (): string | null => read(KEY.token),
  setToken: (token: string | null): void => write(KEY.token, token),
  resume: (): string | null => read(KEY.resume),
  setResume: (token: string | null): void => write(KEY.resume, token),
  rooms(): string[] {
    try {
      const parsed: unknown = JSON.parse(read(KEY.rooms) ?? '[]');
      return Array.isArray(parsed) ? parsed.filter((room): room is string => typeof room === 'string') : [];
    } catch {
      return [];
    }
  },
  setRooms: (rooms: string[]): void => write(KEY.rooms, JSON.stringify(rooms)),
  /** DMs closed from the sidebar, each with the last seq seen: a newer message opens it again. */
  closedDms(): Record<string, number> {
    try {
      const parsed: unknown = JSON.parse(read(KEY.closedDms) ?? '{}');
      if (typeof parsed !== 'object' || parsed === null) return {};
      return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
    } catch {
      return {};
    }
  },
  setClosedDms: (closed: Record<string, number>): void => write(KEY.closedDms, JSON.stringify(closed)),
  outbox(): SavedSend[] {
    try {
      const parsed: unknown = JSON.parse(read(KEY.outbox) ?? '[]');
      if (!Array.isArray(parsed)) return [];
      return parsed.filter(
        (entry: unknown): entry is SavedSend =>
          typeof entry === 'object' &&
          entry !== null &&
          typeof (entry as SavedSend).room === 'string' &&
          typeof (entry as SavedSend).text === 'string' &&
          typeof (entry as SavedSend).cid === 'string' &&
          ['number', 'undefined'].includes(typeof (entry as SavedSend).replyTo) &&
          ['number', 'undefined'].includes(typeof (entry as SavedSend).thread) &&
          [true, undefined].includes((entry as SavedSend).alsoInRoom) &&
          ((entry as SavedSend).files === undefined ||
            (Array.isArray((entry as SavedSend).files) && (entry as SavedSend).files?.every((id) => typeof id === 'string') === true)),
      );
    } catch {
      return [];
    }
  },
  setOutbox: (sends: SavedSend[]): void => write(KEY.outbox, sends.length === 0 ? null : JSON.stringify(sends)),
  active: (): string | null => read(KEY.active),
  setActive: (room: string): void => write(KEY.active, room),
  forget(): void {
    for (const key of Object.values(KEY)) write(key, null);
  },
};
