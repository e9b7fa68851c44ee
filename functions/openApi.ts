/** GET /api/openapi.json: the API's OpenAPI 3.1 document, with request schemas generated from the validators. */
import type { HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { BroadcastPhases } from '../contracts/broadcast.js';
import { BroadcastRoles } from '../contracts/settings.js';
import { broadcastIdPattern, changeBroadcastSchema, createBroadcastSchema, extendBroadcastSchema } from '../domain/broadcastRequest.js';
import { subscriberSchema as registrationSchema } from './webhookSubscribers.js';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
const problem = { description: 'RFC 9457 problem details', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
const broadcastResponse = { description: 'The broadcast', content: { 'application/json': { schema: { $ref: '#/components/schemas/Broadcast' } } } };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: broadcastIdPattern.source, maxLength: 29 }, description: '1-29 lower-case letters, digits and hyphens, not starting or ending with a hyphen' };
const capacityConflict = { description: 'No live event slot for the whole window (problem type .../capacity: accounts tried, first instant over quota, conflicting broadcasts), or a state conflict', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/CapacityProblem' } } } };
const dryRunParam = { name: 'dryRun', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] }, description: 'true: answer what would happen (account, planned allocate/start, conflicts, estimated minutes and cost); nothing is created or changed' };
const dryRunResponse = { description: 'Dry run: what would happen', content: { 'application/json': { schema: { $ref: '#/components/schemas/DryRun' } } } };
/** Every error answer an authorized route can give besides its own. */
const common = { 400: problem, 401: problem, 403: problem, 413: problem, 500: problem };
/** With function keys any valid key works; with App Service Authentication the app role decides (admin ⊇ write ⊇ read). */
const security = (role: string) => [{ functionKeyHeader: [] }, { functionKeyQuery: [] }, { easyAuth: [role] }];
const read = security(BroadcastRoles.read);
const write = security(BroadcastRoles.write);

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
    info: {
      title: 'Broadcast scheduler',
      version: '0.1.0',
      description:
        'Schedules live broadcasts on Azure Media Services live events. Every /api/broadcasts route needs a function key ' +
        '(x-functions-key header or ?code=), or, when the app runs with API_AUTH=entra behind App Service Authentication, ' +
        `an Entra ID token whose app roles include ${BroadcastRoles.read} (read), ${BroadcastRoles.write} (change; sees ingest URLs and tokens) ` +
        `or ${BroadcastRoles.admin} (also chooses the media account). Errors are RFC 9457 problem+json; 5xx carry a correlationId.`,
    },
    security: write,
    paths: {
      '/api/broadcasts': {
        post: {
          summary: 'Schedule a broadcast (idempotent with an id or an Idempotency-Key header)',
          description: 'Placed on the first account of the pool with a free live event slot from the planned allocation to the end plus grace (only the named account when `account` is given); 409 otherwise. Longer than BROADCAST_MAX_DURATION (or maxDuration) is a 400.',
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } }, dryRunParam],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateBroadcast' } } } },
          security: write,
          responses: { ...common, 201: broadcastResponse, 200: { description: 'The existing broadcast (same request again), or with dryRun=true the dry run answer', content: { 'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/Broadcast' }, { $ref: '#/components/schemas/DryRun' }] } } } }, 409: capacityConflict, 503: problem },
        },
        get: {
          summary: 'List broadcasts (id order, paged; filters applied by the durable store where it can)',
          security: read,
          parameters: [
            { name: 'phase', in: 'query', schema: { type: 'string', enum: [...BroadcastPhases] } },
            { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'top', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
            { name: 'continuationToken', in: 'query', schema: { type: 'string', maxLength: 4096 }, description: 'From the previous page; a page may hold fewer than top items and still have one' },
            { name: 'totals', in: 'query', schema: { type: 'string', enum: ['true', 'false'] }, description: 'true: add `totals` (billed StandBy/Running minutes, cost so far and estimated cost) over the items of this page; with from/to, follow continuationToken to total a range' },
          ],
          responses: {
            ...common,
            200: {
              description: 'A page of broadcasts; instances that cannot be read as broadcasts are skipped and named',
              content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Broadcast' } }, continuationToken: { type: 'string' }, skipped: { type: 'array', items: { type: 'object', properties: { instanceId: { type: 'string' }, reason: { type: 'string' } } } } } } } },
            },
          },
        },
      },
      '/api/broadcasts/{id}': {
        parameters: [idParam],
        get: { summary: 'Read a broadcast: phase, live event state, ingest/preview URLs (writers only), recording, timeline', security: read, responses: { ...common, 200: broadcastResponse, 404: problem } },
        patch: {
          summary: 'Reschedule or change settings before the start',
          parameters: [dryRunParam],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ChangeBroadcast' } } } },
          responses: { ...common, 202: { description: 'Accepted' }, 200: dryRunResponse, 404: problem, 409: capacityConflict, 503: problem },
        },
        delete: { summary: 'Cancel (as POST .../cancel)', responses: { ...common, 202: { description: 'Accepted' }, 404: problem, 409: problem } },
      },
      '/api/broadcasts/{id}/extend': {
        parameters: [idParam],
        post: { summary: 'Move the end (extend or shorten; within the maximum duration and a free slot)', parameters: [dryRunParam], requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Extend' } } } }, responses: { ...common, 202: { description: 'Accepted' }, 200: dryRunResponse, 404: problem, 409: capacityConflict, 503: problem } },
      },
      '/api/broadcasts/{id}/stop': { parameters: [idParam], post: { summary: 'Stop now', responses: { ...common, 202: { description: 'Accepted' }, 404: problem, 409: problem } } },
      '/api/broadcasts/{id}/cancel': { parameters: [idParam], post: { summary: 'Cancel (before start: nothing billed is left; while live: stopped and cleaned up)', responses: { ...common, 202: { description: 'Accepted' }, 404: problem, 409: problem } } },
      ...webhookSubscriberPaths,
    },
    components: {
      securitySchemes: {
        functionKeyHeader: { type: 'apiKey', in: 'header', name: 'x-functions-key', description: 'An Azure Functions function key (API_AUTH=key, the default)' },
        functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code', description: 'The same key as a query parameter' },
        easyAuth: {
          type: 'oauth2',
          description: 'API_AUTH=entra: App Service Authentication (Entra ID) validates the bearer token and passes the caller as x-ms-client-principal; the app checks its app roles.',
          flows: { clientCredentials: { tokenUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token', scopes: { [BroadcastRoles.read]: 'read broadcasts', [BroadcastRoles.write]: 'schedule and change broadcasts', [BroadcastRoles.admin]: 'everything, and choose the media account' } } },
        },
      },
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
            billing: { $ref: '#/components/schemas/Billing' },
            startOn: { type: 'string', enum: ['schedule', 'encoder'] },
            idleStop: { type: 'object', properties: { reconnectWindowSeconds: { type: 'integer', minimum: 0, maximum: 1800 } } },
            encoder: {
              type: 'object',
              description: 'The encoder as AMS reports it through Event Grid (bounded: no per-heartbeat history)',
              properties: {
                connected: { type: 'boolean' }, connectedAt: { type: 'string', format: 'date-time' }, disconnectedAt: { type: 'string', format: 'date-time' },
                encoderIp: { type: 'string' }, lastResultCode: { type: 'string' }, lastHeartbeatAt: { type: 'string', format: 'date-time' },
                incomingBitrate: { type: 'number' }, healthy: { type: 'boolean' }, events: { type: 'integer' }, problems: { type: 'integer' }, foreign: { type: 'integer' },
              },
            },
            idleBeforeRecordingMs: { type: 'integer', description: 'startOn encoder: time Running without an encoder before recording began' },
          },
        },
        Billing: {
          type: 'object',
          description: 'Billed so far, from the live event states the orchestration saw (the time AMS reports each state began), and the estimate for the whole window. Rates: domain/cost.ts (USD per hour).',
          properties: {
            standbyMinutes: { type: 'number' }, runningMinutes: { type: 'number' }, cost: { type: 'number' }, currency: { type: 'string' },
            estimatedStandbyMinutes: { type: 'number' }, estimatedRunningMinutes: { type: 'number' }, estimatedCost: { type: 'number' },
          },
        },
        DryRun: {
          type: 'object',
          properties: {
            dryRun: { const: true }, id: { type: 'string' },
            placement: { type: 'object', properties: { accountName: { type: 'string' }, from: { type: 'string', format: 'date-time', description: 'slot held from (planned allocation)' }, to: { type: 'string', format: 'date-time', description: 'until (end plus grace)' } } },
            plannedAllocateAt: { type: 'string', format: 'date-time' }, plannedStartAt: { type: 'string', format: 'date-time' },
            estimate: { type: 'object', properties: { standbyMinutes: { type: 'number' }, runningMinutes: { type: 'number' }, cost: { type: 'number' }, currency: { type: 'string' }, ratePerHour: { type: 'object' } } },
          },
        },
        CapacityProblem: {
          allOf: [
            { $ref: '#/components/schemas/Problem' },
            {
              type: 'object',
              properties: {
                accounts: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      accountName: { type: 'string' }, firstExceededAt: { type: 'string', format: 'date-time' }, conflictCount: { type: 'integer' },
                      conflicts: { type: 'array', maxItems: 5, items: { type: 'object', properties: { broadcastId: { type: 'string' }, from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' } } } },
                    },
                  },
                },
              },
            },
          ],
        },
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status'],
          properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, instance: { type: 'string' }, correlationId: { type: 'string', description: 'On 5xx: the invocation id to find the failure in the logs' }, errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } } },
        },
      },
    },
  };
}

export const openApiHandler = async (): Promise<HttpResponseInit> => ({ status: 200, jsonBody: openApiDocument(), headers: { 'content-type': 'application/json' } });
