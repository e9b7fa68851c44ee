/**
 * Event Grid triggers served as the Functions host serves them: the extension's webhook
 * `POST /runtime/webhooks/eventgrid?functionName=<name>&code=<eventgrid_extension key>`, reproduced from
 * Microsoft.Azure.WebJobs.Extensions.EventGrid (EventGridExtensionConfigProvider + HttpRequestProcessor):
 * - the host checks the system key first (missing or wrong: 401, no body); the master key also passes;
 * - `functionName` missing or not an Event Grid trigger: 404 `cannot find function: '<name>'`;
 * - `OPTIONS` is the CloudEvents abuse-protection handshake: 200 with `WebHook-Allowed-Origin` echoing a known
 *   Event Grid origin (`eventgrid.azure.net` otherwise);
 * - `aeg-event-type: SubscriptionValidation`: 200 `{"validationResponse": code}` from `data.validationCode` of the
 *   first event (Event Grid schema array, or a CloudEvent object);
 * - `aeg-event-type: Notification`: an array (Event Grid schema or a CloudEvents batch) or one object (a structured
 *   CloudEvent) is dispatched one invocation per event, all at once; 202 when all succeed, 500 with the first
 *   failure's message otherwise (Event Grid then redelivers the whole batch);
 * - `aeg-event-type: Unsubscribe`: 202; no or another `aeg-event-type`: 400. Event Grid always sends the header, for
 *   CloudEvents too, so a request without it is not from Event Grid.
 * Deliberate divergence: a Notification body that is not JSON (or a JSON scalar) is answered 400 here; the real
 * extension throws while parsing it, which the host turns into a 500 that Event Grid would retry.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HostedApp } from './functionApp.js';
import { readBody, sendProblem, sendTooLarge, splitTarget } from './httpTriggers.js';

export const EVENTGRID_WEBHOOK_PATH = '/runtime/webhooks/eventgrid';
const KNOWN_ORIGINS = ['eventgrid.azure.net', 'eventgrid.azure.us', 'eventgrid.azure.eaglex.ic.gov', 'eventgrid.azure.microsoft.scloud', 'eventgrid.azure.cn'];

export interface EventGridWebhookOptions {
  /** The `eventgrid_extension` system key. */
  systemKey: string;
  masterKey?: string;
  maxBodyBytes: number;
}

export function createEventGridWebhook(app: HostedApp, options: EventGridWebhookOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const target = splitTarget(req.url);
    if (target.path.toLowerCase() !== EVENTGRID_WEBHOOK_PATH) return false;
    const query = new URLSearchParams(target.query);
    const header = req.headers['x-functions-key'];
    const key = (Array.isArray(header) ? header[0] : header) ?? query.get('code');
    if (!key || (key !== options.systemKey && key !== options.masterKey)) {
      req.resume();
      res.writeHead(401).end();
      return true;
    }
    const text = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
      return true;
    };
    const functionName = query.get('functionName') ?? '';
    const fn = functionName ? app.find(functionName) : undefined;
    if (!fn || fn.trigger.type.toLowerCase() !== 'eventgridtrigger') {
      req.resume();
      return text(404, `cannot find function: '${functionName}'`);
    }
    const method = (req.method ?? 'GET').toUpperCase();
    if (method === 'OPTIONS') {
      req.resume();
      const origin = String(req.headers['webhook-request-origin'] ?? '');
      res.writeHead(200, { 'webhook-allowed-origin': KNOWN_ORIGINS.includes(origin) ? origin : 'eventgrid.azure.net' }).end();
      return true;
    }
    if (method !== 'POST') {
      req.resume();
      return text(405, 'The webhook accepts POST and OPTIONS.', { allow: 'POST, OPTIONS' });
    }
    const raw = await readBody(req, options.maxBodyBytes);
    if (raw === undefined) {
      sendTooLarge(res, options.maxBodyBytes);
      return true;
    }
    const eventType = String(req.headers['aeg-event-type'] ?? '').toLowerCase();
    if (eventType === 'unsubscribe') return text(202, '');
    if (eventType !== 'subscriptionvalidation' && eventType !== 'notification') {
      res.writeHead(400).end();
      return true;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      sendProblem(res, 400, 'Bad Request', 'The request content should be parseable into a JSON object or array.');
      return true;
    }
    if (typeof body !== 'object' || body === null) {
      sendProblem(res, 400, 'Bad Request', 'The request content should be parseable into a JSON object or array.');
      return true;
    }
    if (eventType === 'subscriptionvalidation') {
      const code = validationCode(body);
      if (code === undefined) {
        sendProblem(res, 400, 'Bad Request', 'The validation event carries no data.validationCode.');
        return true;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ validationResponse: code }));
      return true;
    }
    const events = Array.isArray(body) ? (body as unknown[]) : [body];
    const results = await Promise.allSettled(events.map((event) => app.invoke(fn.name, { trigger: { json: JSON.stringify(event) } })));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) return text(500, failed.reason instanceof Error ? failed.reason.message : String(failed.reason));
    return text(202, '');
  };
}

/** `data.validationCode` of the first event of an array, or of a CloudEvent whose data may be a JSON string. */
function validationCode(body: object): string | undefined {
  const first: unknown = Array.isArray(body) ? body[0] : body;
  let data = (first as { data?: unknown } | undefined)?.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  const code = (data as { validationCode?: unknown } | undefined)?.validationCode;
  return code === undefined || code === null ? undefined : String(code);
}
