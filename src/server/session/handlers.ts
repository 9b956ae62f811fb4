// One handler per verb. Each receives validated parameters and answers through the session;
// a thrown ProtocolError becomes the request's error reply (see dispatch.ts).
import { Limits, PROTOCOL_VERSION, type CommandParams, type RequestId, type Verb } from '../../protocol/messages.js';
import { CloseCode, ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { ChatService } from '../chat/service.js';
import type { OutgoingPush } from '../hub/outgoing.js';
import type { Session } from './session.js';
import type { DocService } from '../docs/doc-service.js';
import { refundText, reserveText } from './quota-gate.js';

export type Handler<V extends Verb> = (session: Session, params: CommandParams[V], id: RequestId | undefined, chat: ChatService) => Promise<void>;

/**
 * The room must be joined. A verb pipelined behind a join that is still running waits for it: a
 * message stored before this connection is in the hub would never reach its own sender.
 */
async function requireJoined(session: Session, room: string): Promise<void> {
  const joining = session.rooms.get(room)?.joined;
  if (joining !== undefined) await joining;
  if (!session.rooms.has(room)) throw new ProtocolError(ErrorCode.NotMember, `join ${room} first`, 'room');
}

function requireAllowed(session: Session, room: string): void {
  if (!session.mayEnter(room)) throw new ProtocolError(ErrorCode.Forbidden, `your token does not allow room ${room}`, 'room');
}

const hello: Handler<'hello'> = async (session, params, id, chat) => {
  if (session.identified) throw new ProtocolError(ErrorCode.AlreadyHello, 'hello was already accepted');
  let identity;
  try {
    identity = await chat.hello(params);
  } catch (error) {
    // A refused token is final for this connection: answer, then close with 4401.
    if (error instanceof ProtocolError && error.code === ErrorCode.Unauthorized) {
      session.fail(id, error);
      session.close(CloseCode.Unauthorized, 'unauthorized');
      return;
    }
    throw error;
  }
  session.identify(identity.user, identity.rooms, identity.sessionHash);
  // A connection that closed while its hello was checked is already released: nothing to notify.
  if (!session.closed) chat.connected(session);
  const result = { conn: session.connId, user: identity.user, protocol: PROTOCOL_VERSION, kind: identity.kind };
  session.ok<'hello'>(id, identity.resume === undefined ? result : { ...result, resume: identity.resume });
};

const join: Handler<'join'> = async (session, { room, since }, id, chat) => {
  requireAllowed(session, room);
  const current = session.rooms.get(room);
  if (current !== undefined) {
    // Joining twice changes nothing; the reply says where this connection stands.
    const access = await chat.access(session.user, room);
    const online = await chat.members(room, Limits.joinMembers, session.user);
    session.ok<'join'>(id, { room, seq: current.lastSeq, ...online, recovered: true, ...access });
    return;
  }
  if (session.rooms.size >= session.policy.maxRooms) {
    throw new ProtocolError(ErrorCode.TooManyRooms, `a connection may be in at most ${session.policy.maxRooms} rooms; leave one first`, 'room');
  }
  // Hold live pushes from the moment the hub can deliver them until the backlog is out.
  let settle = (): void => undefined;
  const joined = new Promise<void>((resolve) => (settle = resolve));
  session.rooms.set(room, { lastSeq: 0, held: [] as OutgoingPush[], joined });
  try {
    await finishJoin(session, room, since, id, chat);
  } finally {
    const state = session.rooms.get(room);
    // Cleared, not deleted: deleting a property would turn every room state into a slow dictionary.
    if (state?.joined === joined) state.joined = undefined;
    settle();
  }
};

async function finishJoin(session: Session, room: string, since: number | undefined, id: RequestId | undefined, chat: ChatService): Promise<void> {
  const { recoveryBytes } = session.policy;
  let outcome;
  try {
    // The replay may fill half the outbox at most (what is already waiting for this peer included),
    // so that a reader that keeps up is never closed as slow for a recovery it asked for.
    outcome = await chat.join(session, room, since, Math.max(0, recoveryBytes - session.connection.buffered));
  } catch (error) {
    session.rooms.delete(room);
    await chat.leave(session, room);
    throw error;
  }
  if (session.closed) {
    await chat.leave(session, room);
    return;
  }
  const state = session.rooms.get(room);
  const { members, online } = outcome;
  // What else reached the outbox while the backlog was read (another join's replay) counts too:
  // the oldest messages are left out until the replay fits again.
  const { connection } = session;
  const texts = outcome.backlog.map((message) => JSON.stringify({ type: 'message', ...message }));
  const sizes = texts.map((text) => connection.framedBytes(text));
  let bytes = sizes.reduce((sum, size) => sum + size, 0);
  let skip = 0;
  const space = recoveryBytes - connection.buffered;
  while (bytes > space && skip < sizes.length) bytes -= sizes[skip++] as number;
  const replayFrom = skip === 0 ? outcome.replayFrom : (outcome.backlog[skip]?.seq ?? outcome.seq + 1);
  const recovered = outcome.recovered && skip === 0;
  if (outcome.truncated || skip > 0) session.policy.metrics.recoveryTruncated.inc();
  // With `recovered: false` the client must know where the replay starts, to read the rest with history.
  const result = { room, seq: outcome.seq, members, online, recovered, ...(recovered ? {} : { replayFrom }), ...outcome.access };
  if (state === undefined) {
    // A leave ran while this join was in flight, possibly before the join had added the user's
    // presence: undo the join here so that no ghost member stays behind, and still answer it.
    await chat.leave(session, room);
    session.ok<'join'>(id, result);
    return;
  }
  session.policy.metrics.joins.inc();
  session.ok<'join'>(id, result);
  for (let i = skip; i < texts.length; i++) connection.write(texts[i] as string);
  state.lastSeq = outcome.seq;
  session.release(room);
}

const leave: Handler<'leave'> = async (session, { room }, id, chat) => {
  if (session.rooms.delete(room)) await chat.leave(session, room);
  // The user leaves the room, not only this connection: it leaves the user's rooms on every device.
  await chat.unjoin(session, room);
  session.ok<'leave'>(id, { room });
};

const rooms: Handler<'rooms'> = async (session, _params, id, chat) => {
  const { rooms: listed, truncated } = await chat.rooms(session.user);
  const visible = listed.filter((summary) => session.mayEnter(summary.room));
  session.ok<'rooms'>(id, truncated ? { rooms: visible, truncated: true } : { rooms: visible });
};

const send: Handler<'send'> = async (session, { room, text, cid, replyTo, files, thread, alsoInRoom }, id, chat) => {
  await requireJoined(session, room);
  const reserved = reserveText(session, text);
  let appended;
  try {
    appended = await chat.send(
      session.user,
      room,
      text,
      cid,
      replyTo,
      files,
      thread === undefined ? undefined : { root: thread, alsoInRoom: alsoInRoom === true },
    );
  } catch (error) {
    refundText(session, reserved);
    throw error;
  }
  const { message, duplicate } = appended;
  if (duplicate) refundText(session, reserved);
  else session.policy.metrics.messagesIn.inc();
  const result = { room, seq: message.seq, msgId: message.msgId, ts: message.ts };
  session.ok<'send'>(id, duplicate ? { ...result, duplicate } : result);
};

const history: Handler<'history'> = async (session, { room, before, limit }, id, chat) => {
  requireAllowed(session, room);
  // One reply may use the same share of the outbox as a join's replay, less what already waits.
  const budget = Math.max(0, session.policy.recoveryBytes - session.connection.buffered);
  const messages = await chat.history(session.user, room, before, limit ?? Limits.historyDefault, budget);
  session.ok<'history'>(id, { room, messages });
};

const thread: Handler<'thread'> = async (session, { room, root, after, limit }, id, chat) => {
  requireAllowed(session, room);
  const budget = Math.max(0, session.policy.recoveryBytes - session.connection.buffered);
  const found = await chat.thread(session.user, room, root, after ?? 0, limit ?? Limits.historyDefault, budget);
  session.ok<'thread'>(id, { room, ...found });
};

const search: Handler<'search'> = async (session, { room, text, before, limit, person, since, until }, id, chat) => {
  requireAllowed(session, room);
  const budget = Math.max(0, session.policy.recoveryBytes - session.connection.buffered);
  const filter = { ...(person === undefined ? {} : { person }), ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) };
  const found = await chat.search(session.user, room, text, before, limit ?? Limits.searchDefault, session.connId, budget, filter);
  session.ok<'search'>(id, { room, ...found });
};

const typing: Handler<'typing'> = async (session, { room, thread }, id, chat) => {
  await requireJoined(session, room);
  await chat.typing(session.user, room, thread);
  session.ok<'typing'>(id, { room });
};

const create: Handler<'create'> = async (session, { room, private: isPrivate, topic }, id, chat) => {
  const options = topic === undefined ? { private: isPrivate ?? false } : { private: isPrivate ?? false, topic };
  await chat.create(session, room, options);
  session.ok<'create'>(id, { room, ...options, role: 'owner' });
};

const invite: Handler<'invite'> = async (session, { room, user }, id, chat) => {
  await chat.invite(session.user, room, user);
  session.ok<'invite'>(id, { room, user });
};

const kick: Handler<'kick'> = async (session, { room, user }, id, chat) => {
  await chat.kick(session.user, room, user);
  session.ok<'kick'>(id, { room, user });
};

const ban: Handler<'ban'> = async (session, { room, user }, id, chat) => {
  await chat.ban(session.user, room, user);
  session.ok<'ban'>(id, { room, user });
};

const unban: Handler<'unban'> = async (session, { room, user }, id, chat) => {
  await chat.unban(session.user, room, user);
  session.ok<'unban'>(id, { room, user });
};

const mute: Handler<'mute'> = async (session, { room, user, seconds }, id, chat) => {
  const until = await chat.mute(session.user, room, user, seconds);
  session.ok<'mute'>(id, { room, user, until });
};

const role: Handler<'role'> = async (session, { room, user, role: given }, id, chat) => {
  await chat.setRole(session.user, room, user, given);
  session.ok<'role'>(id, { room, user, role: given });
};

const edit: Handler<'edit'> = async (session, { room, seq, text }, id, chat) => {
  await requireJoined(session, room);
  const reserved = reserveText(session, text);
  let editedAt;
  try {
    editedAt = await chat.edit(session.user, room, seq, text);
  } catch (error) {
    refundText(session, reserved);
    throw error;
  }
  session.ok<'edit'>(id, { room, seq, editedAt });
};

const remove: Handler<'delete'> = async (session, { room, seq }, id, chat) => {
  await requireJoined(session, room);
  await chat.delete(session.user, room, seq);
  session.ok<'delete'>(id, { room, seq });
};

const react: Handler<'react'> = async (session, { room, seq, emoji, on }, id, chat) => {
  await requireJoined(session, room);
  const count = await chat.react(session.user, room, seq, emoji, on);
  session.ok<'react'>(id, { room, seq, emoji, count });
};

const listMembers: Handler<'members'> = async (session, { room, limit }, id, chat) => {
  await requireJoined(session, room);
  session.ok<'members'>(id, { room, ...(await chat.members(room, limit ?? Limits.membersMax, session.user)) });
};

const read: Handler<'read'> = async (session, { room, seq, thread }, id, chat) => {
  requireAllowed(session, room);
  if (thread !== undefined) {
    session.ok<'read'>(id, { room, seq: await chat.markThreadRead(session.user, room, thread, seq), thread });
    return;
  }
  session.ok<'read'>(id, { room, seq: await chat.markRead(session.user, room, seq) });
};

const threads: Handler<'threads'> = async (session, _params, id, chat) => {
  const followed = await chat.threads(session.user);
  session.ok<'threads'>(id, { threads: followed.filter((thread) => session.mayEnter(thread.room)) });
};

const topic: Handler<'topic'> = async (session, params, id, chat) => {
  await chat.setTopic(session.user, params.room, params.topic);
  session.ok<'topic'>(id, { room: params.room, topic: params.topic });
};

const dm: Handler<'dm'> = async (session, { user }, id, chat) => {
  session.ok<'dm'>(id, await chat.dm(session, user));
};

const archive: Handler<'archive'> = async (session, { room, archived }, id, chat) => {
  await chat.archive(session.user, room, archived ?? true);
  session.ok<'archive'>(id, { room, archived: archived ?? true });
};

const destroy: Handler<'destroy'> = async (session, { room }, id, chat) => {
  await chat.destroy(session.user, room);
  session.ok<'destroy'>(id, { room });
};

const ticket: Handler<'ticket'> = async (session, { room }, id, chat) => {
  requireAllowed(session, room);
  const issued = await chat.ticket(session.user, room);
  session.ok<'ticket'>(id, { room, ticket: issued.ticket, expiresAt: issued.expiresAt });
};

function docsOf(session: Session): DocService {
  const { docs } = session.policy;
  if (docs === undefined) throw new ProtocolError(ErrorCode.NotFound, 'this server has no shared documents');
  return docs;
}

const doclock: Handler<'doclock'> = async (session, { room, locked }, id) => {
  requireAllowed(session, room);
  await docsOf(session).setLocked(session.user, room, locked);
  session.ok<'doclock'>(id, { room, locked });
};

const docsave: Handler<'docsave'> = async (session, { room, name }, id) => {
  requireAllowed(session, room);
  session.ok<'docsave'>(id, { room, version: await docsOf(session).saveVersion(session.user, room, name) });
};

const docversions: Handler<'docversions'> = async (session, { room }, id) => {
  requireAllowed(session, room);
  session.ok<'docversions'>(id, { room, versions: await docsOf(session).versions(session.user, room) });
};

const docversion: Handler<'docversion'> = async (session, { room, version, restore }, id) => {
  requireAllowed(session, room);
  const found = await docsOf(session).version(session.user, room, version, restore ?? false);
  session.ok<'docversion'>(id, { room, ...found, restored: restore ?? false });
};

const doctext: Handler<'doctext'> = async (session, { room }, id) => {
  requireAllowed(session, room);
  session.ok<'doctext'>(id, { room, text: await docsOf(session).text(session.user, room) });
};

export const handlers: { [V in Verb]: Handler<V> } = {
  hello,
  join,
  leave,
  rooms,
  send,
  history,
  thread,
  search,
  typing,
  members: listMembers,
  create,
  invite,
  kick,
  ban,
  unban,
  mute,
  role,
  edit,
  delete: remove,
  react,
  dm,
  read,
  threads,
  topic,
  archive,
  destroy,
  ticket,
  doclock,
  docsave,
  docversions,
  docversion,
  doctext,
};
