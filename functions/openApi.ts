/** GET /api/openapi.json: the API's OpenAPI 3.1 document, with request schemas generated from the validators. */
import type { HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { BroadcastPhases } from '../contracts/broadcast.js';
import { changeBroadcastSchema, createBroadcastSchema, extendBroadcastSchema } from '../domain/broadcastRequest.js';
import { subscriberSchema as registrationSchema } from './webhookSubscribers.js';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
const problem = { description: 'RFC 9457 problem details', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
const broadcastResponse = { description: 'The broadcast', content: { 'application/json': { schema: { $ref: '#/components/schemas/Broadcast' } } } };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

const subscriberSchema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
/** Outbound webhook subscribers (function key): registration, health, delivery log and replay. */
const webhookSubscriberPaths = {
  '/api/webhooks/subscribers': {
    post: {
      summary: 'Register a subscriber (public https URL only; the signing secret is sealed and never shown again)',
      requestBody: { required: true, content: { 'application/json': { schema: subscriberSchema(registrationSchema) } } },
      responses: { 201: ok('The subscriber'), 400: problem, 409: problem, 503: problem },
    },
    get: { summary: 'List subscribers with their health (active, failing since, disabled and why)', responses: { 200: ok('{ items }') } },
  },
  '/api/webhooks/subscribers/{id}': { parameters: [idParam], delete: { summary: 'Remove a registered subscriber', responses: { 204: { description: 'Removed' }, 400: problem, 404: problem, 409: problem } } },
  '/api/webhooks/subscribers/{id}/enable': { parameters: [idParam], post: { summary: 'Re-enable a disabled subscriber', responses: { 202: ok('Accepted'), 400: problem, 404: problem } } },
  '/api/webhooks/subscribers/{id}/deliveries': {
    parameters: [idParam],
    get: {
      summary: 'Delivery log, newest first: each attempt with time, outcome, status, latency and the first bytes of the answer',
      parameters: [
        { name: 'top', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        { name: 'continuationToken', in: 'query', schema: { type: 'string' } },
      ],
      responses: { 200: ok('{ items, continuationToken? }'), 400: problem, 404: problem },
    },
  },
  '/api/webhooks/subscribers/{id}/deliveries/{deliveryId}/replay': {
    parameters: [idParam, { name: 'deliveryId', in: 'path', required: true, schema: { type: 'string' } }],
    post: { summary: 'Deliver the same notification again (same webhook-id) as a new delivery', responses: { 202: ok('The new delivery'), 400: problem, 404: problem, 409: problem } },
  },
};

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Broadcast scheduler', version: '0.1.0', description: 'Schedules live broadcasts on Azure Media Services live events.' },
    paths: {
      '/api/broadcasts': {
        post: {
          summary: 'Schedule a broadcast (idempotent with an id or an Idempotency-Key header)',
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateBroadcast' } } } },
          responses: { 201: broadcastResponse, 200: broadcastResponse, 400: problem, 409: problem },
        },
        get: {
          summary: 'List broadcasts',
          parameters: [
            { name: 'phase', in: 'query', schema: { type: 'string', enum: [...BroadcastPhases] } },
            { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'top', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
            { name: 'continuationToken', in: 'query', schema: { type: 'string' } },
          ],
          responses: { 200: { description: 'A page of broadcasts', content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Broadcast' } }, continuationToken: { type: 'string' } } } } } }, 400: problem },
        },
      },
      '/api/broadcasts/{id}': {
        parameters: [idParam],
        get: { summary: 'Read a broadcast: phase, live event state, ingest/preview URLs, recording, timeline', responses: { 200: broadcastResponse, 404: problem } },
        patch: {
          summary: 'Reschedule or change settings before the start',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ChangeBroadcast' } } } },
          responses: { 202: { description: 'Accepted' }, 400: problem, 404: problem, 409: problem },
        },
      },
      '/api/broadcasts/{id}/extend': {
        parameters: [idParam],
        post: { summary: 'Move the end (extend or shorten)', requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Extend' } } } }, responses: { 202: { description: 'Accepted' }, 400: problem, 404: problem, 409: problem } },
      },
      '/api/broadcasts/{id}/stop': { parameters: [idParam], post: { summary: 'Stop now', responses: { 202: { description: 'Accepted' }, 404: problem, 409: problem } } },
      '/api/broadcasts/{id}/cancel': { parameters: [idParam], post: { summary: 'Cancel (before start: nothing billed is left; while live: stopped and cleaned up)', responses: { 202: { description: 'Accepted' }, 404: problem, 409: problem } } },
      ...webhookSubscriberPaths,
    },
    components: {
      schemas: {
        CreateBroadcast: schema(createBroadcastSchema),
        ChangeBroadcast: schema(changeBroadcastSchema),
        Extend: schema(extendBroadcastSchema),
        Broadcast: {
          type: 'object',
          required: ['id', 'phase', 'startAt', 'endAt'],
          properties: {
            id: { type: 'string' }, title: { type: 'string' }, phase: { type: 'string', enum: [...BroadcastPhases] },
            startAt: { type: 'string', format: 'date-time' }, endAt: { type: 'string', format: 'date-time' },
            liveEvent: { type: 'object', properties: { name: { type: 'string' }, state: { type: 'string' }, ingestUrls: { type: 'array', items: { type: 'string' } }, previewUrls: { type: 'array', items: { type: 'string' } } } },
            recording: { type: 'object', properties: { assetName: { type: 'string' }, playbackPaths: { type: 'array', items: { type: 'string' } } } },
            timeline: { type: 'array', items: { type: 'object', properties: { at: { type: 'string', format: 'date-time' }, phase: { type: 'string' }, note: { type: 'string' } } } },
          },
        },
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status'],
          properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } } },
        },
      },
    },
  };
}

export const openApiHandler = async (): Promise<HttpResponseInit> => ({ status: 200, jsonBody: openApiDocument() });
