/** The HTTP API under /api/broadcasts: thin handlers that authorize, validate and hand over to the broadcast service. */
import { createHash, randomBytes } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { BroadcastPhases, type BroadcastPhase, type BroadcastPolicy } from '../contracts/broadcast.js';
import type { MediaAccountRef } from '../contracts/media.js';
import { BroadcastRoles, type ApiSettings, type BroadcastRole } from '../contracts/settings.js';
import { durableClientOf } from '../adapters/durableClient.js';
import { createBroadcastService, BadContinuationError, BroadcastConflictError, BroadcastNotFoundError, BroadcastTooLongError, CapacityConflictError } from '../adapters/broadcastService.js';
import { CapacityUnavailableError } from '../adapters/capacityLedger.js';
import { DEFAULT_MAX_DURATION_MS, durationErrors, estimateForWindow } from '../domain/cost.js';
import { refusedWithoutUpdate, unsupportedOnAccounts } from '../domain/mediaSupport.js';
import { BROADCAST_ID_RULE, isBroadcastId, parseChangeBroadcast, parseCreateBroadcast, parseExtend } from '../domain/broadcastRequest.js';
import type { BroadcastView } from '../domain/broadcastView.js';
import { refusedSettingsChange } from '../domain/liveEventDecisions.js';
import { hasRole, keyHolder, parseClientPrincipal, type Principal } from '../domain/principal.js';
import { capacityProblem, conflictProblem, forbiddenProblem, unavailableProblem, notFoundProblem, unauthenticatedProblem, validationProblem, type FieldError } from '../domain/problem.js';
import { json, problemResponse, readJson, withProblemDetails } from './http.js';

export interface BroadcastApiDeps {
  policy: BroadcastPolicy;
  defaultAccount: MediaAccountRef;
  /** Authentication mode, body limit and the account pool; key auth, 64 KiB and the default account alone when absent. */
  api?: ApiSettings;
}

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
type Authorized = (request: HttpRequest, context: InvocationContext, principal: Principal) => Promise<HttpResponseInit>;

/** Ids derived from an Idempotency-Key are stable, so a retried POST finds the broadcast it created. */
const idFromKey = (key: string) => `k${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
const newId = () => randomBytes(8).toString('hex');
const MAX_IDEMPOTENCY_KEY = 200;

/** Sums of the billing figures of one page (follow the continuation token for the rest of a range). */
export function billingTotals(items: BroadcastView[]) {
  const sum = (pick: (b: BroadcastView) => number) => Math.round(items.reduce((total, b) => total + pick(b), 0) * 1000) / 1000;
  return {
    broadcasts: items.length,
    standbyMinutes: sum((b) => b.billing.standbyMinutes),
    runningMinutes: sum((b) => b.billing.runningMinutes),
    cost: sum((b) => b.billing.cost),
    estimatedCost: sum((b) => b.billing.estimatedCost),
    currency: items[0]?.billing.currency ?? 'USD',
  };
}

/** What a caller without write access sees: no ingest URLs, no ingest access token (either lets one hijack the stream). */
export function redactForReader(view: BroadcastView): BroadcastView {
  const { accessToken: _hidden, ...settings } = view.liveEvent.settings;
  return { ...view, liveEvent: { ...view.liveEvent, ingestUrls: [], settings } };
}

export function createBroadcastHandlers(deps: BroadcastApiDeps) {
  const api: ApiSettings = deps.api ?? { auth: 'key', maxBodyBytes: 64 * 1024, accounts: [deps.defaultAccount] };
  const capacity = api.capacity ? { accounts: api.capacity, pool: api.accounts, maxDurationMs: api.maxDurationMs } : undefined;
  const service = (context: InvocationContext) => createBroadcastService(durableClientOf(context), deps.policy, capacity);
  const maxDurationMs = api.maxDurationMs ?? DEFAULT_MAX_DURATION_MS;
  /** `?dryRun=true`: answer what would happen, change nothing. */
  const dryRunOf = (request: HttpRequest): boolean | FieldError => {
    const value = request.query.get('dryRun');
    if (value === null || value === 'false') return false;
    if (value === 'true') return true;
    return { field: 'dryRun', message: 'must be true or false' };
  };

  /**
   * Who is calling. With key auth the Functions host has already checked the key (authLevel "function"):
   * the key is the whole credential. With Entra auth, App Service Authentication has authenticated the
   * caller and passes the principal; the routes are anonymous to the host, so the check is here.
   */
  const principalOf = (request: HttpRequest): Principal | undefined => (api.auth === 'key' ? keyHolder : parseClientPrincipal(request.headers.get('x-ms-client-principal')));

  /** Authorizes, then maps service errors to problems; anything else becomes a 500 problem with a correlation id. */
  const route = (needed: BroadcastRole, handler: Authorized): Handler =>
    withProblemDetails(async (request, context) => {
      const principal = principalOf(request);
      if (!principal) return problemResponse(unauthenticatedProblem('Sign in through the app\'s identity provider (Entra ID).'));
      if (!hasRole(principal, needed)) return problemResponse(forbiddenProblem(`This needs the app role ${needed}.`));
      try {
        return await handler(request, context, principal);
      } catch (error) {
        if (error instanceof BroadcastNotFoundError) return problemResponse(notFoundProblem(error.message));
        // A capacity conflict is a conflict too (callers such as the calendar treat both alike); here it says more.
        if (error instanceof CapacityConflictError) return problemResponse(capacityProblem(error.message, error.refusals));
        if (error instanceof BroadcastConflictError) return problemResponse(conflictProblem(error.message));
        if (error instanceof BroadcastTooLongError) return problemResponse(validationProblem(error.errors, 'The broadcast is longer than its maximum duration.'));
        if (error instanceof CapacityUnavailableError) return problemResponse(unavailableProblem(error.message));
        if (error instanceof BadContinuationError) return problemResponse(validationProblem([{ field: 'continuationToken', message: error.message }], 'The query is not valid.'));
        throw error;
      }
    });

  /** The {id} path parameter, checked before it goes anywhere near a Durable URL. */
  const pathId = (request: HttpRequest): { ok: true; id: string } | { ok: false; response: HttpResponseInit } => {
    const id = request.params.id ?? '';
    if (isBroadcastId(id)) return { ok: true, id };
    return { ok: false, response: problemResponse(validationProblem([{ field: 'id', message: BROADCAST_ID_RULE }], 'The broadcast id is not valid.')) };
  };
  /** What a change or an extend starts from: a valid id and query, a parsed body, and the broadcast read once. */
  const changeRequest = async (request: HttpRequest, context: InvocationContext) => {
    const id = pathId(request);
    if (!id.ok) return id;
    const dryRun = dryRunOf(request);
    if (typeof dryRun !== 'boolean') return { ok: false as const, response: problemResponse(validationProblem([dryRun], 'The query is not valid.')) };
    const body = await readJson(request, api.maxBodyBytes);
    if (!body.ok) return body;
    const broadcasts = service(context);
    const { spec, view } = await broadcasts.spec(id.id);
    return { ok: true as const, id: id.id, dryRun, body: body.body, broadcasts, spec, current: view };
  };
  const show = (principal: Principal, view: BroadcastView) => (hasRole(principal, BroadcastRoles.write) ? view : redactForReader(view));
  const location = (request: HttpRequest, id: string) => new URL(`/api/broadcasts/${id}`, request.url).toString();

  return {
    createBroadcast: route(BroadcastRoles.write, async (request, context, principal) => {
      const key = request.headers.get('idempotency-key');
      if (key !== null && (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY)) {
        return problemResponse(validationProblem([{ field: 'Idempotency-Key', message: `must be 1-${MAX_IDEMPOTENCY_KEY} characters` }]));
      }
      const dryRun = dryRunOf(request);
      if (typeof dryRun !== 'boolean') return problemResponse(validationProblem([dryRun], 'The query is not valid.'));
      const body = await readJson(request, api.maxBodyBytes);
      if (!body.ok) return body.response;
      const parsed = parseCreateBroadcast(body.body, { now: Date.now(), defaultAccount: deps.defaultAccount, accounts: api.accounts, newId: () => (key ? idFromKey(key) : newId()) });
      if (!parsed.ok) return problemResponse(validationProblem(parsed.errors, 'The broadcast request is not valid.'));
      const capErrors = durationErrors(parsed.value.startAt, parsed.value.endAt, maxDurationMs, (body.body as { maxDuration?: unknown }).maxDuration);
      if (capErrors.length > 0) return problemResponse(validationProblem(capErrors, 'The broadcast request is not valid.'));
      if (parsed.value.account.accountName !== deps.defaultAccount.accountName && !hasRole(principal, BroadcastRoles.admin)) {
        return problemResponse(forbiddenProblem(`Choosing a media account needs the app role ${BroadcastRoles.admin}.`));
      }
      const pinned = typeof (body.body as { account?: unknown }).account === 'string';
      // (successors) Settings the account's media service cannot take; unpinned, any account of the pool may be chosen.
      const unsupported = unsupportedOnAccounts(api.capabilities, parsed.value, pinned ? [parsed.value.account.accountName] : api.accounts.map((a) => a.accountName));
      if (unsupported.length > 0) return problemResponse(validationProblem(unsupported, 'The media service of the account cannot take these settings.'));
      if (dryRun) {
        const placement = await service(context).plan(parsed.value, pinned);
        return json(200, { dryRun: true, id: parsed.value.id, placement: placement ?? { accountName: parsed.value.account.accountName }, ...estimateForWindow(parsed.value, deps.policy) });
      }
      const { created, broadcast } = await service(context).schedule(parsed.value, { pinned });
      return json(created ? 201 : 200, broadcast, { location: location(request, broadcast.id) });
    }),

    getBroadcast: route(BroadcastRoles.read, async (request, context, principal) => {
      const id = pathId(request);
      if (!id.ok) return id.response;
      const broadcast = await service(context).get(id.id);
      return broadcast ? json(200, show(principal, broadcast)) : problemResponse(notFoundProblem(`No broadcast with id '${id.id}'.`));
    }),

    listBroadcasts: route(BroadcastRoles.read, async (request, context, principal) => {
      const q = request.query;
      const errors: FieldError[] = [];
      const phase = q.get('phase') ?? undefined;
      if (phase !== undefined && !BroadcastPhases.includes(phase as BroadcastPhase)) errors.push({ field: 'phase', message: `must be one of ${BroadcastPhases.join(', ')}` });
      const time = (name: string) => {
        const value = q.get(name);
        if (value === null) return undefined;
        const parsed = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
        if (Number.isNaN(parsed)) errors.push({ field: name, message: 'must be an ISO 8601 date-time' });
        return parsed;
      };
      const from = time('from');
      const to = time('to');
      const topText = q.get('top') ?? '50';
      const top = /^\d{1,3}$/.test(topText) ? Number(topText) : Number.NaN;
      if (!Number.isInteger(top) || top < 1 || top > 200) errors.push({ field: 'top', message: 'must be an integer from 1 to 200' });
      const totalsText = q.get('totals');
      if (totalsText !== null && totalsText !== 'true' && totalsText !== 'false') errors.push({ field: 'totals', message: 'must be true or false' });
      if (errors.length > 0) return problemResponse(validationProblem(errors, 'The query is not valid.'));
      const page = await service(context).list({ phase: phase as BroadcastPhase | undefined, from, to, top, continuationToken: q.get('continuationToken') ?? undefined });
      if (page.skipped.length > 0) context.warn(`listBroadcasts skipped ${page.skipped.length} unreadable instance(s)`, JSON.stringify(page.skipped.slice(0, 10)));
      const totals = totalsText === 'true' ? billingTotals(page.items) : undefined;
      return json(200, { ...page, items: page.items.map((b) => show(principal, b)), ...(totals ? { totals } : {}) });
    }),

    changeBroadcast: route(BroadcastRoles.write, async (request, context) => {
      const req = await changeRequest(request, context);
      if (!req.ok) return req.response;
      const { id, dryRun, body, broadcasts, spec, current } = req;
      const parsed = parseChangeBroadcast(body, spec, Date.now());
      if (!parsed.ok) return problemResponse(validationProblem(parsed.errors, 'The change is not valid.'));
      const refused = refusedSettingsChange(spec.liveEvent, parsed.value.liveEvent, current.liveEvent) ?? refusedWithoutUpdate(api.capabilities?.[spec.account.accountName], spec.liveEvent, parsed.value.liveEvent, current.liveEvent);
      if (refused) return problemResponse(conflictProblem(refused));
      const unsupported = unsupportedOnAccounts(api.capabilities, { ...spec, liveEvent: { ...spec.liveEvent, ...parsed.value.liveEvent }, recording: { ...spec.recording, ...parsed.value.recording } }, [spec.account.accountName]);
      if (unsupported.length > 0) return problemResponse(validationProblem(unsupported, 'The media service of the account cannot take these settings.'));
      const startAt = parsed.value.startAt ?? current.startAt;
      const endAt = parsed.value.endAt ?? current.endAt;
      const capErrors = durationErrors(startAt, endAt, maxDurationMs, undefined, spec.maxDuration);
      if (capErrors.length > 0) return problemResponse(validationProblem(capErrors, 'The change is not valid.'));
      if (dryRun) {
        const placement = await broadcasts.planChange(id, startAt, endAt);
        return json(200, { dryRun: true, id, placement, ...estimateForWindow({ ...spec, startAt, endAt }, deps.policy) });
      }
      await broadcasts.reschedule(id, parsed.value);
      return json(202, { id, accepted: parsed.value });
    }),

    extendBroadcast: route(BroadcastRoles.write, async (request, context) => {
      const req = await changeRequest(request, context);
      if (!req.ok) return req.response;
      const { id, dryRun, body, broadcasts, spec, current } = req;
      const parsed = parseExtend(body, spec.startAt, Date.now());
      if (!parsed.ok) return problemResponse(validationProblem(parsed.errors, 'The new end is not valid.'));
      const startAt = current.startAt;
      const capErrors = durationErrors(startAt, parsed.value.endAt, maxDurationMs, undefined, spec.maxDuration);
      if (capErrors.length > 0) return problemResponse(validationProblem(capErrors, 'The new end is not valid.'));
      if (dryRun) {
        const placement = await broadcasts.planChange(id, undefined, parsed.value.endAt);
        return json(200, { dryRun: true, id, placement, ...estimateForWindow({ ...spec, startAt, endAt: parsed.value.endAt }, deps.policy) });
      }
      await broadcasts.extend(id, parsed.value.endAt);
      return json(202, { id, endAt: parsed.value.endAt });
    }),

    stopBroadcast: route(BroadcastRoles.write, async (request, context) => {
      const id = pathId(request);
      if (!id.ok) return id.response;
      await service(context).stopNow(id.id, 'stopped through the API');
      return json(202, { id: id.id, requested: 'stop' });
    }),

    cancelBroadcast: route(BroadcastRoles.write, async (request, context) => {
      const id = pathId(request);
      if (!id.ok) return id.response;
      await service(context).cancel(id.id, 'cancelled through the API');
      return json(202, { id: id.id, requested: 'cancel' });
    }),
  } satisfies Record<string, Handler>;
}
