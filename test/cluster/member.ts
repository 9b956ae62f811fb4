// A chat user for the multi-process suites: one protocol connection at a time, which it replaces
// (same user, through the resume token) when asked to, recovering the room with `since`. It keeps
// every message push of every connection, in order, so a test can check the whole sequence.
import { TestClient, type Frame } from '../support/client.js';

export class Member {
  readonly nick: string;
  readonly room: string;
  client!: TestClient;
  resume = '';
  userId = '';
  /** Message pushes from the connections before the current one. */
  readonly #earlier: Frame[] = [];

  private constructor(nick: string, room: string) {
    this.nick = nick;
    this.room = room;
  }

  static async join(wsUrl: string, nick: string, room: string): Promise<Member> {
    const member = new Member(nick, room);
    await member.#connect(wsUrl, undefined);
    return member;
  }

  /** Every message push received so far, across connections, in arrival order. */
  get messages(): Frame[] {
    return [...this.#earlier, ...this.client.pushes('message', this.room)];
  }

  get seqs(): number[] {
    return this.messages.map((m) => Number(m['seq']));
  }

  get lastSeq(): number {
    return this.seqs.reduce((max, seq) => Math.max(max, seq), 0);
  }

  /** Connects again to `wsUrl` as the same user and asks for everything after the last seq received. */
  async reconnect(wsUrl: string): Promise<Frame> {
    this.#earlier.push(...this.client.pushes('message', this.room));
    return this.#connect(wsUrl, this.lastSeq);
  }

  /** Waits for the current connection to drop, then reconnects to `wsUrl`. */
  async closedThenReconnect(wsUrl: string): Promise<void> {
    await this.client.closed;
    await this.reconnect(wsUrl);
  }

  /**
   * Sends until acknowledged: a send lost with its connection is sent again, with the same cid,
   * once `reconnected` gives the new connection.
   */
  async send(text: string, cid: string, reconnected: () => Promise<void>): Promise<Frame> {
    for (;;) {
      const client = this.client;
      try {
        return await Promise.race([
          client.ok('send', { room: this.room, text, cid }),
          client.closed.then(() => {
            throw new Error('connection closed');
          }),
        ]);
      } catch (error) {
        if (client.ws.readyState === client.ws.OPEN && !String(error).includes('store_failed')) throw error;
        if (client.ws.readyState === client.ws.OPEN) await new Promise((resolve) => setTimeout(resolve, 100));
        else await reconnected();
      }
    }
  }

  async #connect(wsUrl: string, since: number | undefined): Promise<Frame> {
    this.client = await TestClient.connect(wsUrl);
    const hello = await this.client.ok('hello', this.resume === '' ? { nick: this.nick } : { nick: this.nick, resume: this.resume });
    this.resume = String(hello['resume']);
    this.userId = String((hello['user'] as { id: string }).id);
    return this.client.ok('join', since === undefined ? { room: this.room } : { room: this.room, since });
  }
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
