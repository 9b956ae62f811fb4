// The console's keys and incoming webhooks (/api/v1/admin/keys, /admin/hooks): what `parley keys`
// and `parley hooks` do, over the API. A new key or hook secret is in its creation's answer only.
// Every key's outgoing webhook subscriptions too (/admin/webhooks), with their delivery logs.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ErrorBody } from '../../../protocol/api.js';
import { ConsoleWebhook, HookCreateBody, HookRecord, IdPath, KeyBody, KeyRecord, NewHookReply, NewKeyReply } from '../../../protocol/console.js';
import { DELIVERIES_DEFAULT_LIMIT, DeliveriesQuery, ResendPath, ResendReply, WebhookDeliveryList } from '../../../protocol/webhooks.js';
import type { ConsoleService } from '../../console/console-service.js';
import type { AdminGate } from './admin-gate.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody };
const resendErrors = { ...errors, 409: ErrorBody };
const security = [{ apiKey: [] }];
const tags = ['console'];

export function keyAdminRoutes(app: FastifyInstance, service: ConsoleService, gate: AdminGate): void {
  const guarded = { onRequest: gate.require };
  app.get(
    '/admin/keys',
    {
      ...guarded,
      schema: { summary: 'API keys, revoked ones included', tags, security, response: { 200: Type.Object({ keys: Type.Array(KeyRecord) }), ...errors } },
    },
    async () => ({
      keys: await service.listKeys(),
    }),
  );
  app.post<{ Body: KeyBody }>(
    '/admin/keys',
    { ...guarded, schema: { summary: 'Make an API key (shown once)', tags, security, body: KeyBody, response: { 201: NewKeyReply, ...errors } } },
    async (request, reply) => {
      const { name, scopes, bot } = request.body;
      const made = await service.createKey(gate.actorOf(request), { name, scopes, ...(bot === undefined ? {} : { bot }) });
      return reply.code(201).header('cache-control', 'no-store').send(made);
    },
  );
  app.post<{ Params: Static<typeof IdPath> }>(
    '/admin/keys/:id/rotate',
    {
      ...guarded,
      schema: {
        summary: 'A new secret for a key: a new key like it, the old one revoked',
        tags,
        security,
        params: IdPath,
        response: { 201: NewKeyReply, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .header('cache-control', 'no-store')
        .send(await service.rotateKey(gate.actorOf(request), request.params.id)),
  );
  app.delete<{ Params: Static<typeof IdPath> }>(
    '/admin/keys/:id',
    {
      ...guarded,
      schema: { summary: 'Revoke a key (refused everywhere within a second)', tags, security, params: IdPath, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      await service.revokeKey(gate.actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
  app.get(
    '/admin/webhooks',
    {
      ...guarded,
      schema: {
        summary: "Every key's outgoing webhook subscriptions, with the events waiting for each",
        tags,
        security,
        response: { 200: Type.Object({ webhooks: Type.Array(ConsoleWebhook) }), ...errors },
      },
    },
    async () => ({ webhooks: await service.listWebhooks() }),
  );
  app.post<{ Params: Static<typeof IdPath> }>(
    '/admin/webhooks/:id/enable',
    {
      ...guarded,
      schema: {
        summary: 'Deliver a disabled subscription again, from where it stopped',
        tags,
        security,
        params: IdPath,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await service.enableWebhook(gate.actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
  app.get<{ Params: Static<typeof IdPath>; Querystring: DeliveriesQuery }>(
    '/admin/webhooks/:id/deliveries',
    {
      ...guarded,
      schema: {
        summary: "A subscription's recent delivery attempts, newest first: status, latency, error",
        tags,
        security,
        params: IdPath,
        querystring: DeliveriesQuery,
        response: { 200: WebhookDeliveryList, ...errors },
      },
    },
    async (request) => ({ deliveries: await service.webhookDeliveries(request.params.id, request.query.limit ?? DELIVERIES_DEFAULT_LIMIT) }),
  );
  app.post<{ Params: Static<typeof ResendPath> }>(
    '/admin/webhooks/:id/deliveries/:eventId/resend',
    {
      ...guarded,
      schema: {
        summary: 'Send a logged event again: queued after what waits, with the same webhook-id (409 while the subscription is disabled)',
        tags,
        security,
        params: ResendPath,
        response: { 202: ResendReply, ...resendErrors },
      },
    },
    async (request, reply) => {
      const { id, eventId } = request.params;
      const { alreadyQueued } = await service.resendWebhookEvent(gate.actorOf(request), id, eventId);
      return reply.code(202).send({ id, eventId, alreadyQueued });
    },
  );
  app.delete<{ Params: Static<typeof IdPath> }>(
    '/admin/webhooks/:id',
    {
      ...guarded,
      schema: { summary: 'Delete a subscription and the events waiting for it', tags, security, params: IdPath, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      await service.deleteWebhook(gate.actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
  app.get(
    '/admin/hooks',
    { ...guarded, schema: { summary: 'Incoming webhooks', tags, security, response: { 200: Type.Object({ hooks: Type.Array(HookRecord) }), ...errors } } },
    async () => ({
      hooks: await service.listHooks(),
    }),
  );
  app.post<{ Body: Static<typeof HookCreateBody> }>(
    '/admin/hooks',
    {
      ...guarded,
      schema: {
        summary: 'Make an incoming webhook that posts to a room (its path is shown once)',
        tags,
        security,
        body: HookCreateBody,
        response: { 201: NewHookReply, ...errors },
      },
    },
    async (request, reply) => {
      const { secret, record } = await service.createHook(gate.actorOf(request), request.body.room, request.body.bot ?? 'webhook');
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ path: `/hooks/${secret}`, record });
    },
  );
  app.delete<{ Params: Static<typeof IdPath> }>(
    '/admin/hooks/:id',
    { ...guarded, schema: { summary: 'Delete an incoming webhook', tags, security, params: IdPath, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      await service.deleteHook(gate.actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
}
