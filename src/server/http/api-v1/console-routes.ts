// The admin console's API (/api/v1/admin/…): what the /admin page does, open to scripts with an
// admin key too. Every route is behind the AdminGate; each act is audited by the console service
// (or by the chat service, for the room acts members hear of).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ErrorBody, RoomPath, UserPath } from '../../../protocol/api.js';
import {
  AdminEntry,
  ArchivedBody,
  AuditEntry,
  AuditQuery,
  DisabledBody,
  LiftPath,
  ListQuery,
  LiveReply,
  OwnerBody,
  PasswordBody,
  RoomListing,
  UserDetail,
  UserListQuery,
  UserListing,
} from '../../../protocol/console.js';
import type { ConsoleService } from '../../console/console-service.js';
import type { AdminGate } from './admin-gate.js';
import { auditCsv } from './audit-csv.js';
import { keyAdminRoutes } from './key-admin-routes.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody };
const security = [{ apiKey: [] }];
const tags = ['console'];
const DEFAULT_LIMIT = 50;

export function consoleRoutes(app: FastifyInstance, service: ConsoleService, gate: AdminGate): void {
  const guarded = { onRequest: gate.require };
  const done = (reply: FastifyReply): FastifyReply => reply.code(204).send();

  app.get(
    '/admin/live',
    { ...guarded, schema: { summary: "Every process's live figures over the last hour", tags, security, response: { 200: LiveReply, ...errors } } },
    () => service.live(),
  );

  app.get<{ Querystring: ListQuery }>(
    '/admin/rooms',
    {
      ...guarded,
      schema: {
        summary: 'Rooms (not DMs), most recently active first',
        tags,
        security,
        querystring: ListQuery,
        response: { 200: Type.Object({ rooms: Type.Array(RoomListing) }), ...errors },
      },
    },
    async (request) => ({ rooms: await service.rooms(request.query.search, request.query.limit ?? DEFAULT_LIMIT) }),
  );
  app.put<{ Params: Static<typeof RoomPath>; Body: Static<typeof ArchivedBody> }>(
    '/admin/rooms/:room/archived',
    {
      ...guarded,
      schema: {
        summary: 'Archive a room (read-only, out of the directory) or open it again',
        tags,
        security,
        params: RoomPath,
        body: ArchivedBody,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await service.archive(gate.actorOf(request), request.params.room, request.body.archived);
      return done(reply);
    },
  );
  app.delete<{ Params: Static<typeof RoomPath> }>(
    '/admin/rooms/:room',
    {
      ...guarded,
      schema: { summary: 'Delete a room and everything stored in it', tags, security, params: RoomPath, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      await service.destroy(gate.actorOf(request), request.params.room);
      return done(reply);
    },
  );
  app.put<{ Params: Static<typeof RoomPath>; Body: Static<typeof OwnerBody> }>(
    '/admin/rooms/:room/owner',
    {
      ...guarded,
      schema: {
        summary: 'Give the room a new owner (the old one becomes a moderator)',
        tags,
        security,
        params: RoomPath,
        body: OwnerBody,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await service.setOwner(gate.actorOf(request), request.params.room, request.body.user);
      return done(reply);
    },
  );

  app.get<{ Querystring: UserListQuery }>(
    '/admin/users',
    {
      ...guarded,
      schema: {
        summary: 'Users (accounts, guests, bots), most recently seen first',
        tags,
        security,
        querystring: UserListQuery,
        response: { 200: Type.Object({ users: Type.Array(UserListing) }), ...errors },
      },
    },
    async (request) => ({ users: await service.users(request.query.search, request.query.kind, request.query.limit ?? DEFAULT_LIMIT) }),
  );
  app.get<{ Params: Static<typeof UserPath> }>(
    '/admin/users/:user',
    {
      ...guarded,
      schema: {
        summary: 'One user: whether an admin, its bans and mutes across rooms',
        tags,
        security,
        params: UserPath,
        response: { 200: UserDetail, ...errors },
      },
    },
    (request) => service.user(request.params.user),
  );
  app.put<{ Params: Static<typeof UserPath>; Body: Static<typeof DisabledBody> }>(
    '/admin/users/:user/disabled',
    {
      ...guarded,
      schema: {
        summary: 'Disable an account (it is signed out everywhere) or enable it',
        tags,
        security,
        params: UserPath,
        body: DisabledBody,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await service.setDisabled(gate.actorOf(request), request.params.user, request.body.disabled);
      return done(reply);
    },
  );
  app.post<{ Params: Static<typeof UserPath> }>(
    '/admin/users/:user/signout',
    {
      ...guarded,
      schema: {
        summary: 'End every login session of the user, on every process',
        tags,
        security,
        params: UserPath,
        response: { 200: Type.Object({ ended: Type.Integer() }), ...errors },
      },
    },
    async (request) => ({ ended: await service.signOut(gate.actorOf(request), request.params.user) }),
  );
  app.put<{ Params: Static<typeof UserPath>; Body: Static<typeof PasswordBody> }>(
    '/admin/users/:user/password',
    {
      ...guarded,
      schema: {
        summary: "Set an account's password (its sessions end)",
        tags,
        security,
        params: UserPath,
        body: PasswordBody,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await service.resetPassword(gate.actorOf(request), request.params.user, request.body.password);
      return done(reply);
    },
  );
  app.delete<{ Params: Static<typeof LiftPath> }>(
    '/admin/users/:user/restrictions/:room/:kind',
    {
      ...guarded,
      schema: { summary: 'Lift a ban or a mute of the user in a room', tags, security, params: LiftPath, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      await service.lift(gate.actorOf(request), request.params.room, request.params.user, request.params.kind);
      return done(reply);
    },
  );

  app.get(
    '/admin/admins',
    { ...guarded, schema: { summary: 'Server admins', tags, security, response: { 200: Type.Object({ admins: Type.Array(AdminEntry) }), ...errors } } },
    async () => ({
      admins: await service.admins(),
    }),
  );
  app.put<{ Params: Static<typeof UserPath> }>(
    '/admin/admins/:user',
    { ...guarded, schema: { summary: 'Make a user a server admin', tags, security, params: UserPath, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      await service.grant(gate.actorOf(request), request.params.user);
      return done(reply);
    },
  );
  app.delete<{ Params: Static<typeof UserPath> }>(
    '/admin/admins/:user',
    { ...guarded, schema: { summary: 'Take the server admin role from a user', tags, security, params: UserPath, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      await service.revoke(gate.actorOf(request), request.params.user);
      return done(reply);
    },
  );

  app.get<{ Querystring: AuditQuery }>(
    '/admin/audit',
    {
      ...guarded,
      schema: {
        summary: 'The audit log, newest first (format=csv for a file)',
        tags,
        security,
        querystring: AuditQuery,
        response: { 200: Type.Object({ entries: Type.Array(AuditEntry) }), ...errors },
      },
    },
    async (request, reply) => {
      const entries = await service.auditLog(request.query.before, request.query.limit ?? DEFAULT_LIMIT);
      if (request.query.format !== 'csv') return { entries };
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="parley-audit.csv"')
        .serializer(String)
        .send(auditCsv(entries));
    },
  );

  keyAdminRoutes(app, service, gate);
}
