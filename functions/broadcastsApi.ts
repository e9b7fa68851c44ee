/** The HTTP API under /api/broadcasts: thin handlers that validate and hand over to the broadcast service. */
import { createHash, randomBytes } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { BroadcastPhases, type BroadcastPhase, type BroadcastPolicy } from '../contracts/broadcast.js';
import type { MediaAccountRef } from '../contracts/media.js';
import { createBroadcastService, BroadcastConflictError, BroadcastNotFoundError } from '../adapters/broadcastService.js';
import { parseChangeBroadcast, parseCreateBroadcast, parseExtend } from '../domain/broadcastRequest.js';
import { refusedSettingsChange } from '../domain/liveEventDecisions.js';
import { conflictProblem, notFoundProblem, validationProblem, type FieldError } from '../domain/problem.js';
import { json, problemResponse, readJson } from './http.js';

export interface BroadcastApiDeps {
  policy: BroadcastPolicy;
  defaultAccount: MediaAccountRef;
}

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** Ids derived from an Idempotency-Key are stable, so a retried POST finds the broadcast it created. */
const idFromKey = (key: string) => `k${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
const newId = () => randomBytes(8).toString('hex');

export function createBroadcastHandlers(deps: BroadcastApiDeps) {
  const service = (context: InvocationContext) => createBroadcastService(df.getClient(context), deps.policy);

  /** Maps service errors to problems; anything else is a real failure and propagates. */
  const guarded = (handler: Handler): Handler => async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      if (error instanceof BroadcastNotFoundError) return problemResponse(notFoundProblem(error.message));
      if (error instanceof BroadcastConflictError) return problemResponse(conflictProblem(error.message));
      throw error;
    }
  };
  const location = (request: HttpRequest, id: string) => new URL(`/api/broadcasts/${id}`, request.url).toString();

  return {
    createBroadcast: guarded(async (request, context) => {
      const body = await readJson(request);
      if (!body.ok) return body.response;
      const key = request.headers.get('idempotency-key');
      const parsed = parseCreateBroadcast(body.body, { now: Date.now(), defaultAccount: deps.defaultAccount, newId: () => (key ? idFromKey(key) : newId()) });
      if (!parsed.ok) return problemResponse(validationProblem(parsed.errors, 'The broadcast request is not valid.'));
      const { created, broadcast } = await service(context).schedule(parsed.value);
      return json(created ? 201 : 200, broadcast, { location: location(request, broadcast.id) });
    }),

    getBroadcast: guarded(async (request, context) => {
      const broadcast = await service(context).get(request.params.id ?? '');
      return broadcast ? json(200, broadcast) : problemResponse(notFoundProblem(`No broadcast with id '${request.params.id ?? ''}'.`));
    }),

    listBroadcasts: guarded(async (request, context) => {
      const q = request.query;
      const errors: FieldError[] = [];
      const phase = q.get('phase') ?? undefined;
      if (phase && !BroadcastPhases.includes(phase as BroadcastPhase)) errors.push({ field: 'phase', message: `must be one of ${BroadcastPhases.join(', ')}` });
      const time = (name: string) => {
        const value = q.get(name);
        if (value === null) return undefined;
        const parsed = Date.parse(value);
        if (Number.isNaN(parsed)) errors.push({ field: name, message: 'must be an ISO 8601 date-time' });
        return parsed;
      };
      const from = time('from');
      const to = time('to');
      const top = Number(q.get('top') ?? '50');
      if (!Number.isInteger(top) || top < 1 || top > 200) errors.push({ field: 'top', message: 'must be an integer from 1 to 200' });
      if (errors.length > 0) return problemResponse(validationProblem(errors, 'The query is not valid.'));
      const page = await service(context).list({ phase: phase as BroadcastPhase | undefined, from, to, top, continuationToken: q.get('continuationToken') ?? undefined });
      return json(200, page);
    }),

    changeBroadcast: guarded(async (request, context) => {
      const body = await readJson(request);
      if (!body.ok) return body.response;
      const id = request.params.id ?? '';
      const broadcasts = service(context);
      const { spec } = await broadcasts.spec(id);
      const parsed = parseChangeBroadcast(body.body, spec, Date.now());
      if (!parsed.ok) return problemResponse(validationProblem(parsed.errors, 'The change is not valid.'));
      const refused = refusedSettingsChange(spec.liveEvent, parsed.value.liveEvent, (await broadcasts.get(id))?.liveEvent);
      if (refused) return problemResponse(conflictProblem(refused));
      await broadcasts.reschedule(id, parsed.value);
      return json(202, { id, accepted: parsed.value });
    }),

    extendBroadcast: guarded(async (request, context) => {
      const body = await readJson(request);
      if (!body.ok) return body.response;
      const id = request.params.id ?? '';
      const broadcasts = service(context);
      const { spec } = await broadcasts.spec(id);
      const parsed = parseExtend(body.body, spec.startAt, Date.now());
      if (!parsed.ok) return problemResponse(validationProblem(parsed.errors, 'The new end is not valid.'));
      await broadcasts.extend(id, parsed.value.endAt);
      return json(202, { id, endAt: parsed.value.endAt });
    }),

    stopBroadcast: guarded(async (request, context) => {
      const id = request.params.id ?? '';
      await service(context).stopNow(id, 'stopped through the API');
      return json(202, { id, requested: 'stop' });
    }),

    cancelBroadcast: guarded(async (request, context) => {
      const id = request.params.id ?? '';
      await service(context).cancel(id, 'cancelled through the API');
      return json(202, { id, requested: 'cancel' });
    }),
  } satisfies Record<string, Handler>;
}
