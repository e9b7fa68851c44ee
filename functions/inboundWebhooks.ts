/**
 * POST /api/webhooks/in/{source}: Standard Webhooks–signed commands that create, change, stop or cancel
 * broadcasts. A bad signature or stale timestamp is 401; a replayed message id returns the first answer.
 */
import { createHash } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { Webhook } from 'standardwebhooks';
import { createBroadcastService, BroadcastConflictError, BroadcastNotFoundError, BroadcastTooLongError, CapacityConflictError } from '../adapters/broadcastService.js';
import type { BroadcastPolicy } from '../contracts/broadcast.js';
import type { MediaAccountRef } from '../contracts/media.js';
import type { ApiSettings } from '../contracts/settings.js';
import { parseChangeBroadcast, parseCreateBroadcast, parseExtend } from '../domain/broadcastRequest.js';
import { parseInboundCommand, webhookBroadcastId } from '../domain/inboundWebhook.js';
import { capacityProblem, conflictProblem, notFoundProblem, unauthorizedProblem, validationProblem } from '../domain/problem.js';
import { inboundReceiptOrchestrator } from '../orchestrators/inboundWebhookReceipt.js';
import { json, problemResponse, readText, withProblemDetails } from './http.js';

/** Durable instances double as the record of processed message ids (no other storage needed). */
const receiptId = (source: string, messageId: string) => `inbound-${source}-${createHash('sha256').update(messageId).digest('hex').slice(0, 32)}`;
/** Source names as configured (INBOUND_WEBHOOK_SECRETS keys); anything else is not a source. */
const SOURCE = /^[a-zA-Z0-9-_]{1,40}$/;
/** Standard Webhooks message ids: printable, bounded. */
const MESSAGE_ID = /^[\x21-\x7e]{1,256}$/;

export interface InboundDeps {
  secrets: () => Record<string, string>;
  policy: BroadcastPolicy;
  defaultAccount: MediaAccountRef;
  /** Body limit and account pool; 64 KiB and the default account alone when absent. */
  api?: Pick<ApiSettings, 'maxBodyBytes' | 'accounts' | 'capacity' | 'maxDurationMs'>;
}

export function createInboundWebhookHandler(deps: InboundDeps) {
  return withProblemDetails(async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const source = request.params.source ?? '';
    const secrets = deps.secrets();
    const secret = SOURCE.test(source) && Object.hasOwn(secrets, source) ? secrets[source] : undefined;
    if (!secret) return problemResponse(notFoundProblem('No such webhook source is configured.'));
    const read = await readText(request, deps.api?.maxBodyBytes);
    if (!read.ok) return read.response;
    const payload = read.text;
    const headers = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, request.headers.get(h) ?? '']));
    let body: unknown;
    try {
      body = new Webhook(secret).verify(payload, headers);
    } catch (error) {
      return problemResponse(unauthorizedProblem(`Signature verification failed: ${(error as Error).message}`));
    }
    const messageIdHeader = headers['webhook-id'] ?? '';
    if (!MESSAGE_ID.test(messageIdHeader)) return problemResponse(validationProblem([{ field: 'webhook-id', message: 'must be 1-256 printable characters' }], 'The webhook is not valid.'));

    const client = df.getClient(context);
    const messageId = headers['webhook-id'] ?? '';
    const receipt = receiptId(source, messageId);
    try {
      const previous = await client.getStatus(receipt);
      return json(200, { ...(previous.input as object), duplicate: true });
    } catch {
      // not seen before
    }

    const parsed = parseInboundCommand(body);
    if (!parsed.ok) return problemResponse(validationProblem(parsed.errors, 'The webhook command is not valid.'));
    const service = createBroadcastService(client, deps.policy, deps.api?.capacity ? { accounts: deps.api.capacity, pool: deps.api.accounts, maxDurationMs: deps.api.maxDurationMs } : undefined);
    const command = parsed.value;
    let result: Record<string, unknown>;
    try {
      switch (command.type) {
        case 'broadcast.create': {
          const spec = parseCreateBroadcast(command.data, { now: Date.now(), defaultAccount: deps.defaultAccount, accounts: deps.api?.accounts, newId: () => webhookBroadcastId(source, messageId), origin: { kind: 'webhook', ref: `${source}:${messageId}` } });
          if (!spec.ok) return problemResponse(validationProblem(spec.errors.map((e) => ({ ...e, field: '/data' + e.field })), 'The broadcast in the webhook is not valid.'));
          const { broadcast } = await service.schedule(spec.value, { pinned: typeof (command.data as { account?: unknown }).account === 'string' });
          result = { action: 'created', broadcastId: broadcast.id };
          break;
        }
        case 'broadcast.change': {
          const { id, ...change } = command.data;
          const { spec } = await service.spec(id);
          const parsedChange = parseChangeBroadcast(change, spec, Date.now());
          if (!parsedChange.ok) return problemResponse(validationProblem(parsedChange.errors, 'The change in the webhook is not valid.'));
          await service.reschedule(id, parsedChange.value);
          result = { action: 'changed', broadcastId: id };
          break;
        }
        case 'broadcast.extend': {
          const { spec } = await service.spec(command.data.id);
          const extend = parseExtend({ endAt: command.data.endAt }, spec.startAt, Date.now());
          if (!extend.ok) return problemResponse(validationProblem(extend.errors, 'The new end in the webhook is not valid.'));
          await service.extend(command.data.id, extend.value.endAt);
          result = { action: 'extended', broadcastId: command.data.id };
          break;
        }
        case 'broadcast.stop':
          await service.stopNow(command.data.id, `webhook ${source}`);
          result = { action: 'stopped', broadcastId: command.data.id };
          break;
        case 'broadcast.cancel':
          await service.cancel(command.data.id, `webhook ${source}`);
          result = { action: 'cancelled', broadcastId: command.data.id };
          break;
      }
    } catch (error) {
      if (error instanceof BroadcastNotFoundError) return problemResponse(notFoundProblem(error.message));
      if (error instanceof CapacityConflictError) return problemResponse(capacityProblem(error.message, error.refusals));
      if (error instanceof BroadcastConflictError) return problemResponse(conflictProblem(error.message));
      if (error instanceof BroadcastTooLongError) return problemResponse(validationProblem(error.errors.map((e) => ({ ...e, field: '/data' + e.field })), 'The broadcast is longer than its maximum duration.'));
      throw error;
    }
    try {
      await client.startNew(inboundReceiptOrchestrator, { instanceId: receipt, input: result });
    } catch {
      // A concurrent replay recorded it first; the command itself is idempotent.
    }
    return json(202, result);
  });
}
