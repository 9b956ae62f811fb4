// Webhooks out: subscribe a URL to events, list, delete, re-enable, read the delivery log (admin
// scope). A subscription belongs to the key that made it: another key gets a 404 for it, as for one
// that does not exist.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ErrorBody } from '../../../protocol/api.js';
import {
  DELIVERIES_DEFAULT_LIMIT,
  DeliveriesQuery,
  WebhookCreateBody,
  WebhookCreated,
  WebhookDeliveryList,
  WebhookList,
  WebhookPath,
} from '../../../protocol/webhooks.js';
import type { WebhookSubscriptions } from '../../webhooks/subscriptions.js';
import type { KeyGate } from './key-gate.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody, 503: ErrorBody };
const security = [{ apiKey: [] }];
const IdReply = Type.Object({ id: Type.String(), enabled: Type.Optional(Type.Boolean()) });

export function webhookRoutes(app: FastifyInstance, webhooks: WebhookSubscriptions, gate: KeyGate): void {
  app.post<{ Body: WebhookCreateBody }>(
    '/webhooks',
    {
      onRequest: gate.require('admin'),
      schema: {
        summary: 'Subscribe a URL to events; answers the signing secret, once',
        tags: ['webhooks'],
        security,
        body: WebhookCreateBody,
        response: { 201: WebhookCreated, ...errors },
      },
    },
    async (request, reply) => {
      const created = await webhooks.create(gate.keyOf(request).id, request.body.url, request.body.events);
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/webhooks',
    {
      onRequest: gate.require('admin'),
      schema: { summary: 'This key’s subscriptions (without their secrets)', tags: ['webhooks'], security, response: { 200: WebhookList, ...errors } },
    },
    async (request) => {
      const list = await webhooks.list(gate.keyOf(request).id);
      // The owner is the asking key itself; the secret was shown once, at creation.
      return {
        webhooks: list.map(({ id, url, events, enabled, disabledReason, createdAt }) => ({
          id,
          url,
          events,
          enabled,
          createdAt,
          ...(disabledReason === undefined ? {} : { disabledReason }),
        })),
      };
    },
  );

  app.delete<{ Params: Static<typeof WebhookPath> }>(
    '/webhooks/:id',
    {
      onRequest: gate.require('admin'),
      schema: {
        summary: 'Delete a subscription and its undelivered events',
        tags: ['webhooks'],
        security,
        params: WebhookPath,
        response: { 200: IdReply, ...errors },
      },
    },
    async (request) => {
      await webhooks.delete(request.params.id, gate.keyOf(request).id);
      return { id: request.params.id };
    },
  );

  app.post<{ Params: Static<typeof WebhookPath> }>(
    '/webhooks/:id/enable',
    {
      onRequest: gate.require('admin'),
      schema: {
        summary: 'Re-enable a disabled subscription: its queued events are tried again at once',
        tags: ['webhooks'],
        security,
        params: WebhookPath,
        response: { 200: IdReply, ...errors },
      },
    },
    async (request) => {
      await webhooks.enable(request.params.id, gate.keyOf(request).id);
      return { id: request.params.id, enabled: true };
    },
  );

  app.get<{ Params: Static<typeof WebhookPath>; Querystring: DeliveriesQuery }>(
    '/webhooks/:id/deliveries',
    {
      onRequest: gate.require('admin'),
      schema: {
        summary: 'This key’s subscription’s recent delivery attempts, newest first',
        tags: ['webhooks'],
        security,
        params: WebhookPath,
        querystring: DeliveriesQuery,
        response: { 200: WebhookDeliveryList, ...errors },
      },
    },
    async (request) => ({
      deliveries: await webhooks.deliveries(request.params.id, gate.keyOf(request).id, request.query.limit ?? DELIVERIES_DEFAULT_LIMIT),
    }),
  );
}
