// A webhook receiver for the suites and the bench: a real HTTP server on 127.0.0.1 that keeps
// every attempt it gets, verifies each with the `standardwebhooks` package (the spec authors'
// library, not ours), and answers what `answer` says (200 unless told otherwise).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Delivery {
  id: string;
  /** The request path: suites with several subscriptions give each its own. */
  path: string;
  /** The body as received, for `verifies`. */
  body: string;
  type: string;
  data: Record<string, unknown>;
  /** Whether `standardwebhooks` accepted the signature (and the timestamp). */
  verified: boolean;
  /** What the receiver answered. */
  status: number;
  headers: IncomingHttpHeaders;
}

export class WebhookReceiver {
  /** Every attempt, in arrival order (failed ones too). */
  readonly attempts: Delivery[] = [];
  /** The status to answer the n-th attempt (from 0) with. */
  answer: (n: number, delivery: Delivery) => number = () => 200;
  /** How long each answer is held back: deliveries are then in flight when a test strikes. */
  holdMs = 0;
  /** Set once the subscription is made: attempts are verified with it. */
  secret: string | undefined;
  readonly #server: Server;
  readonly #waiters = new Set<() => void>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const delivery = receiver.#record(req.url ?? '', body, req.headers);
        const status = receiver.answer(receiver.attempts.length - 1, delivery);
        const reply = (): void => {
          // Counted as accepted only once the answer is on its way (a killed sender may never read it).
          delivery.status = status;
          res.writeHead(status).end();
          for (const wake of receiver.#waiters) wake();
        };
        if (receiver.holdMs > 0) setTimeout(reply, receiver.holdMs);
        else reply();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  /** Attempts answered 2xx. */
  get accepted(): Delivery[] {
    return this.attempts.filter((attempt) => attempt.status >= 200 && attempt.status < 300);
  }

  /** Accepted deliveries, one per webhook-id (the first), in arrival order: what a deduplicating receiver keeps. */
  get unique(): Delivery[] {
    const seen = new Set<string>();
    return this.accepted.filter((delivery) => !seen.has(delivery.id) && seen.add(delivery.id));
  }

  /** Resolves once `done()` holds, checked on every attempt; rejects after `timeoutMs`. */
  waitFor(done: () => boolean, timeoutMs = 30_000, what = 'webhook deliveries'): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        reject(new Error(`timed out waiting for ${what}: ${this.attempts.length} attempts, ${this.unique.length} unique accepted`));
      }, timeoutMs);
      this.#waiters.add(wake);
    });
  }

  /** Whether `standardwebhooks` accepts the delivery as signed with `secret`. */
  static verifies(delivery: Delivery, secret: string): boolean {
    try {
      new Webhook(secret).verify(delivery.body, delivery.headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #record(path: string, body: string, headers: IncomingHttpHeaders): Delivery {
    let parsed: { type?: unknown; data?: unknown } = {};
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      parsed = {};
    }
    const delivery: Delivery = {
      id: String(headers['webhook-id'] ?? ''),
      path,
      body,
      type: typeof parsed.type === 'string' ? parsed.type : '',
      data: (parsed.data ?? {}) as Record<string, unknown>,
      verified: false,
      status: 0,
      headers,
    };
    delivery.verified = this.secret !== undefined && WebhookReceiver.verifies(delivery, this.secret);
    this.attempts.push(delivery);
    return delivery;
  }
}
