// What the admin console does, whoever asks (the web page or a script with an admin key): lists
// of rooms and users across the server, acts on accounts (disable, sign out, reset a password),
// server admins, room ownership, and the audit log of every admin and moderator act. Room acts
// that members must hear of (archive, delete, unban, unmute) go through the chat service, which
// audits them itself; this service audits the rest.
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { UserKind, UserRef } from '../../protocol/messages.js';
import type { ChatService } from '../chat/service.js';
import type { UserSessions } from '../auth/user-sessions.js';
import type { ServerAdmins } from '../auth/server-admins.js';
import type { LiveBoard } from './live-board.js';
import type { DeliveryAttempt, WebhookSubscription, WebhookSubscriptions } from '../webhooks/subscriptions.js';
import { ApiKeyError, issueHook, issueKey, type ApiKeyRecord, type ApiKeyStore, type HookRecord, type KeyRequest } from '../auth/api-keys.js';
import type { LiveReply } from '../../protocol/console.js';
import type { AdminRecord, AuditEntry, ConsoleStore, Restriction, RoomListing, UserListing } from '../store/console-store.js';

export interface ConsoleServiceDeps {
  store: ConsoleStore;
  chat: ChatService;
  sessions: UserSessions;
  admins: ServerAdmins;
  /** Hashes a new password in the accounts' bounded queue (AccountService.passwordHash). */
  hashPassword: (password: string) => Promise<string>;
  /** Every process's live figures (live-board.ts), sampled every `sampleMs`. */
  board: LiveBoard;
  sampleMs: number;
  /** API keys and incoming webhooks (the same store `parley keys` writes). */
  keys: ApiKeyStore;
  /** Outgoing webhook subscriptions, every key's. */
  webhooks: WebhookSubscriptions;
  now?: () => number;
}

export interface UserDetail extends UserListing {
  admin: boolean;
  restrictions: Restriction[];
}

export class ConsoleService {
  readonly #deps: ConsoleServiceDeps;
  readonly #now: () => number;

  constructor(deps: ConsoleServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** The last hour of every process's figures, one sample per `sampleMs`. */
  async live(): Promise<LiveReply> {
    return { intervalMs: this.#deps.sampleMs, processes: await this.#deps.board.read() };
  }

  rooms(search: string | undefined, limit: number): Promise<RoomListing[]> {
    return this.#deps.store.listRooms({ ...(search === undefined ? {} : { search }), limit });
  }

  users(search: string | undefined, kind: UserKind | undefined, limit: number): Promise<UserListing[]> {
    return this.#deps.store.listUsers({ ...(search === undefined ? {} : { search }), ...(kind === undefined ? {} : { kind }), limit });
  }

  async user(userId: string): Promise<UserDetail> {
    const { store, admins } = this.#deps;
    const [listing] = (await store.listUsers({ search: userId, limit: 50 })).filter((found) => found.user.id === userId);
    if (listing === undefined) throw new ProtocolError(ErrorCode.NotFound, `no user ${userId}`, 'user');
    const [admin, restrictions] = await Promise.all([admins.isAdmin(userId), store.restrictionsOf(userId, this.#now())]);
    return { ...listing, admin, restrictions };
  }

  /** Disables an account (its sessions end and its connections close) or enables it again. */
  async setDisabled(actor: UserRef, userId: string, disabled: boolean): Promise<void> {
    if (disabled && actor.id === userId) throw new ProtocolError(ErrorCode.Forbidden, 'an admin does not disable its own account', 'user');
    if (!(await this.#deps.store.setDisabled(userId, disabled ? this.#now() : null))) throw notAnAccount(userId);
    if (disabled) await this.#deps.sessions.revoke(userId);
    await this.#audit(actor, disabled ? 'user.disable' : 'user.enable', { target: userId });
  }

  /** Ends the user's login sessions on every process; resolves how many there were. */
  async signOut(actor: UserRef, userId: string): Promise<number> {
    const ended = await this.#deps.sessions.revoke(userId);
    await this.#audit(actor, 'user.signout', { target: userId, detail: `${ended} sessions` });
    return ended;
  }

  /** Sets a new password (the admin tells its owner); every session of the account ends. */
  async resetPassword(actor: UserRef, userId: string, password: string): Promise<void> {
    const hash = await this.#deps.hashPassword(password);
    if (!(await this.#deps.store.setPasswordHash(userId, hash))) throw notAnAccount(userId);
    await this.#deps.sessions.revoke(userId);
    await this.#audit(actor, 'user.password', { target: userId });
  }

  async setOwner(actor: UserRef, room: string, userId: string): Promise<void> {
    if ((await this.#deps.chat.findUser(userId)) === undefined) throw new ProtocolError(ErrorCode.NotFound, `no user ${userId}`, 'user');
    if (!(await this.#deps.store.setOwner(room, userId, this.#now()))) throw new ProtocolError(ErrorCode.NotFound, `no room ${room} (or a DM)`, 'room');
    await this.#audit(actor, 'room.owner', { room, target: userId });
  }

  archive(actor: UserRef, room: string, archived: boolean): Promise<void> {
    return this.#deps.chat.archive(actor, room, archived);
  }

  destroy(actor: UserRef, room: string): Promise<void> {
    return this.#deps.chat.destroy(actor, room);
  }

  /** Lifts a ban or a mute of `userId` in `room`. */
  async lift(actor: UserRef, room: string, userId: string, kind: Restriction['kind']): Promise<void> {
    if (kind === 'ban') await this.#deps.chat.unban(actor, room, userId);
    else await this.#deps.chat.mute(actor, room, userId, 0);
  }

  admins(): Promise<AdminRecord[]> {
    return this.#deps.store.listAdmins();
  }

  async grant(actor: UserRef, userId: string): Promise<void> {
    if ((await this.#deps.chat.findUser(userId)) === undefined) throw new ProtocolError(ErrorCode.NotFound, `no user ${userId}`, 'user');
    await this.#deps.store.grantAdmin(userId, actor.id, this.#now());
    this.#deps.admins.forget(userId);
    await this.#audit(actor, 'admin.grant', { target: userId });
  }

  async revoke(actor: UserRef, userId: string): Promise<void> {
    const { store, admins } = this.#deps;
    if (admins.configured(userId)) throw new ProtocolError(ErrorCode.Forbidden, 'PARLEY_ADMINS names this admin: change it there', 'user');
    if (!(await store.revokeAdmin(userId))) throw new ProtocolError(ErrorCode.NotFound, `${userId} is not an admin`, 'user');
    admins.forget(userId);
    await this.#audit(actor, 'admin.revoke', { target: userId });
  }

  listKeys(): Promise<ApiKeyRecord[]> {
    return this.#deps.keys.listKeys();
  }

  /** A new key: its secret is in the answer only (the store keeps its hash). */
  async createKey(actor: UserRef, request: KeyRequest): Promise<{ key: string; record: ApiKeyRecord }> {
    const made = await keyRequest(() => issueKey(this.#deps.keys, request, this.#now()));
    await this.#audit(actor, 'key.create', { target: made.record.id, detail: `${made.record.name} (${made.record.scopes.join(',')})` });
    return made;
  }

  async revokeKey(actor: UserRef, id: string): Promise<void> {
    if (!(await this.#deps.keys.revokeKey(id, this.#now()))) throw new ProtocolError(ErrorCode.NotFound, `no active key ${id}`, 'id');
    await this.#audit(actor, 'key.revoke', { target: id });
  }

  /** A new secret for a key: a key with the same name, scopes and bot, and the old one revoked. */
  async rotateKey(actor: UserRef, id: string): Promise<{ key: string; record: ApiKeyRecord }> {
    const old = (await this.#deps.keys.listKeys()).find((key) => key.id === id && key.revokedAt === undefined);
    if (old === undefined) throw new ProtocolError(ErrorCode.NotFound, `no active key ${id}`, 'id');
    const request: KeyRequest = { name: old.name, scopes: old.scopes, ...(old.bot === undefined ? {} : { bot: old.bot.name }) };
    const made = await keyRequest(() => issueKey(this.#deps.keys, request, this.#now()));
    await this.#deps.keys.revokeKey(id, this.#now());
    await this.#audit(actor, 'key.rotate', { target: id, detail: `now ${made.record.id}` });
    return made;
  }

  listHooks(): Promise<HookRecord[]> {
    return this.#deps.keys.listHooks();
  }

  async createHook(actor: UserRef, room: string, bot: string): Promise<{ secret: string; record: HookRecord }> {
    const made = await keyRequest(() => issueHook(this.#deps.keys, room, bot, this.#now()));
    await this.#audit(actor, 'hook.create', { room, target: made.record.id });
    return made;
  }

  async deleteHook(actor: UserRef, id: string): Promise<void> {
    if (!(await this.#deps.keys.deleteHook(id))) throw new ProtocolError(ErrorCode.NotFound, `no hook ${id}`, 'id');
    await this.#audit(actor, 'hook.delete', { target: id });
  }

  /** Every key's webhook subscriptions, with the events waiting for each. */
  listWebhooks(): Promise<(WebhookSubscription & { queued: number })[]> {
    return this.#deps.webhooks.listAll();
  }

  /** Delivers a disabled subscription's events again, from where it stopped. */
  async enableWebhook(actor: UserRef, id: string): Promise<void> {
    const { webhooks } = this.#deps;
    await webhooks.enable(id, await webhooks.ownerOf(id), this.#now());
    await this.#audit(actor, 'webhook.enable', { target: id });
  }

  async deleteWebhook(actor: UserRef, id: string): Promise<void> {
    const { webhooks } = this.#deps;
    await webhooks.delete(id, await webhooks.ownerOf(id));
    await this.#audit(actor, 'webhook.delete', { target: id });
  }

  /** Any key's subscription's recent delivery attempts, newest first. */
  async webhookDeliveries(id: string, limit: number): Promise<DeliveryAttempt[]> {
    const { webhooks } = this.#deps;
    return webhooks.deliveries(id, await webhooks.ownerOf(id), limit);
  }

  /** Queues a logged event of any key's subscription again (same webhook-id); audited. */
  async resendWebhookEvent(actor: UserRef, id: string, eventId: string): Promise<{ alreadyQueued: boolean }> {
    const { webhooks } = this.#deps;
    const done = await webhooks.resend(id, await webhooks.ownerOf(id), eventId, this.#now());
    await this.#audit(actor, 'webhook.resend', { target: id, detail: done.alreadyQueued ? `${eventId} (queued already)` : eventId });
    return done;
  }

  auditLog(before: number | undefined, limit: number): Promise<AuditEntry[]> {
    return this.#deps.store.auditLog({ ...(before === undefined ? {} : { before }), limit });
  }

  #audit(actor: UserRef, action: string, about: { room?: string; target?: string; detail?: string }): Promise<void> {
    return this.#deps.store.recordAudit({ at: this.#now(), actor, action, ...about });
  }
}

/** A key or hook request the rules refuse (a bad name, no scope) is the caller's error. */
async function keyRequest<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiKeyError) throw new ProtocolError(ErrorCode.BadRequest, error.message);
    throw error;
  }
}

function notAnAccount(userId: string): ProtocolError {
  return new ProtocolError(ErrorCode.NotFound, `${userId} is not an account (guests and bots have no password to reset or disable)`, 'user');
}
