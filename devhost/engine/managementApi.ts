/**
 * The Durable Functions HTTP management API, as the extension serves it (HttpApiHandler): the public
 * webhook routes (`/runtime/webhooks/durabletask/...`, behind the `durabletask_extension` system key,
 * which every link the host hands out carries as `code=`) and the RPC routes (`/durabletask/...`) that
 * DurableClient calls through the binding's rpcBaseUrl. In Azure the RPC routes live on a loopback-only
 * listener inside the worker's sandbox, so they take no key; the local host serves them on a separate
 * loopback listener (see host.ts), never on the public port.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendProblem, sendTooLarge, splitTarget } from '../worker/httpTriggers.js';
import { EventType, eventTypeName, type HistoryEvent } from './history.js';
import { DurableEngine, InstanceConflictError, InstanceGoneError, InstanceNotFoundError, InvalidRequestError } from './engine.js';
import type { InstanceRow, RuntimeStatus } from './store.js';

export const WEBHOOK_PREFIX = '/runtime/webhooks/durabletask';
export const RPC_PREFIX = '/durabletask';
const statuses: RuntimeStatus[] = ['Pending', 'Running', 'Completed', 'ContinuedAsNew', 'Failed', 'Terminated', 'Suspended'];

export interface ManagementApiOptions {
  engine: DurableEngine;
  taskHubName: string;
  /** The host's own public origin, e.g. http://127.0.0.1:7071. */
  baseUrl: () => string;
  /** The loopback RPC listener's base URL, ending in `/durabletask/`. */
  rpcBaseUrl: () => string;
  /** The `durabletask_extension` system key the webhook routes require. */
  systemKey: string;
  /** Also accepted on the webhook routes, as in Azure. */
  masterKey?: string;
  maxBodyBytes?: number;
}

/** `taskHub=…&connection=Storage&code=…`: appended to every webhook link (HttpApiHandler). */
function requiredQuery(options: ManagementApiOptions): string {
  return `taskHub=${encodeURIComponent(options.taskHubName)}&connection=Storage&code=${encodeURIComponent(options.systemKey)}`;
}

/** The `durableClient` input binding data the extension gives client functions (BindingHelper). */
export function clientBindingData(options: ManagementApiOptions): Record<string, unknown> {
  const webhooks = `${options.baseUrl()}${WEBHOOK_PREFIX}`;
  const query = requiredQuery(options);
  const instance = `${webhooks}/instances/INSTANCEID`;
  return {
    taskHubName: options.taskHubName,
    creationUrls: {
      createNewInstancePostUri: `${webhooks}/orchestrators/{functionName}[/{instanceId}]?${query}`,
      createAndWaitOnNewInstancePostUri: `${webhooks}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${query}`,
    },
    managementUrls: {
      id: 'INSTANCEID',
      statusQueryGetUri: `${instance}?${query}`,
      sendEventPostUri: `${instance}/raiseEvent/{eventName}?${query}`,
      terminatePostUri: `${instance}/terminate?reason={text}&${query}`,
      rewindPostUri: `${instance}/rewind?reason={text}&${query}`,
      purgeHistoryDeleteUri: `${instance}?${query}`,
      restartPostUri: `${instance}/restart?${query}`,
      suspendPostUri: `${instance}/suspend?reason={text}&${query}`,
      resumePostUri: `${instance}/resume?reason={text}&${query}`,
    },
    baseUrl: webhooks,
    requiredQueryStringParameters: query,
    rpcBaseUrl: options.rpcBaseUrl(),
    httpBaseUrl: null,
    connectionName: null,
  };
}

type Send = (status: number, payload?: unknown, headers?: Record<string, string>) => true;

/**
 * Handles one request for either route family; returns false when the path is not a management route.
 * `rpc` = the request came in on the loopback RPC listener (no key); otherwise only the webhook prefix
 * is served and it needs the system key.
 */
export function createManagementApi(options: ManagementApiOptions, { rpc }: { rpc: boolean }) {
  const { engine } = options;

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const target = splitTarget(req.url);
    const prefix = rpc ? RPC_PREFIX : WEBHOOK_PREFIX;
    if (!target.path.toLowerCase().startsWith(prefix + '/')) return false;
    const url = new URL(`http://localhost/?${target.query}`);
    const send: Send = (status, payload, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
      return true;
    };
    if (!rpc && !hasSystemKey(req, url)) {
      res.writeHead(401).end(); // as the Functions host answers a missing or wrong key
      return true;
    }
    let parts: string[];
    try {
      parts = target.path.slice(prefix.length + 1).split('/').map((p) => decodeURIComponent(p));
    } catch {
      sendProblem(res, 400, 'Bad Request', 'The request path contains a malformed %-escape.', { field: 'path' });
      return true;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req, options.maxBodyBytes);
    if (raw === undefined) {
      sendTooLarge(res, options.maxBodyBytes ?? 0);
      return true;
    }
    const body = raw.toString('utf8');

    try {
      if (parts[0] === 'orchestrators') {
        if (method !== 'POST' || !parts[1]) return notFound(send);
        const instanceId = parts[2] || randomUUID().replace(/-/g, '');
        validateInstanceId(instanceId);
        engine.startNew(parts[1], instanceId, body.trim() === '' ? null : normalizeJson(body));
        return sendAccepted(instanceId, send);
      }
      if (parts[0] !== 'instances') return notFound(send);
      const instanceId = parts[1] ?? '';
      const operation = parts[2];

      if (instanceId === '' && method === 'GET') return list(url, req, send);
      if (instanceId === '' && method === 'DELETE') return purgeByFilter(url, send);
      if (instanceId === '') return notFound(send);
      if (!operation && method === 'GET') {
        const showInput = url.searchParams.get('showInput') !== 'false';
        const instance = engine.getInstance(instanceId, { withInput: showInput });
        if (!instance) return notFound(send, `No instance with ID '${instanceId}' found.`);
        const flag = (name: string) => url.searchParams.get(name)?.toLowerCase() === 'true';
        const status = toStatusJson(engine, instance, { history: flag('showHistory'), historyOutput: flag('showHistoryOutput'), input: showInput });
        return send(...statusAnswer(instance.status, status, options, instanceId));
      }
      if (!operation && method === 'DELETE') {
        const purged = engine.purge(instanceId);
        return purged ? send(200, { instancesDeleted: 1 }) : notFound(send, `No instance with ID '${instanceId}' found.`);
      }
      if (method !== 'POST') return notFound(send);
      const reason = url.searchParams.get('reason') ?? '';
      switch (operation) {
        case 'raiseEvent': {
          if (!parts[3]) return notFound(send);
          const type = String(req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
          if (type !== 'application/json') return send(400, { Message: 'Only application/json request content is supported' });
          engine.raiseEvent(instanceId, parts[3], body.trim() === '' ? null : normalizeJson(body));
          break;
        }
        case 'terminate':
          engine.terminate(instanceId, reason);
          break;
        case 'suspend':
          engine.suspend(instanceId);
          break;
        case 'resume':
          engine.resume(instanceId);
          break;
        case 'restart': {
          const newId = url.searchParams.get('restartWithNewInstanceId')?.toLowerCase() !== 'false';
          return sendAccepted(engine.restart(instanceId, newId ? randomUUID().replace(/-/g, '') : instanceId), send);
        }
        case 'rewind':
          engine.rewindable(instanceId);
          return send(501, { Message: 'Rewind is not supported by the local host (a preview feature of the Azure Storage provider).' });
        default:
          return notFound(send);
      }
      return send(202);
    } catch (error) {
      if (error instanceof InstanceNotFoundError) return notFound(send, error.message);
      if (error instanceof InvalidRequestError) return send(400, { Message: error.message });
      if (error instanceof InstanceConflictError) return send(500, azureError(error.message, 'DurableTask.AzureStorage.Storage.OrchestrationAlreadyExistsException'));
      if (error instanceof InstanceGoneError) return send(410, { Message: error.message });
      if (error instanceof SyntaxError) return send(400, { Message: `The request body is not valid JSON: ${error.message}` });
      throw error;
    }
  };

  function hasSystemKey(req: IncomingMessage, url: URL): boolean {
    const header = req.headers['x-functions-key'];
    const key = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('code');
    return key === options.systemKey || (options.masterKey !== undefined && key === options.masterKey);
  }

  function sendAccepted(instanceId: string, send: Send): true {
    const links = managementLinks(options, instanceId);
    return send(202, links, { location: links.statusQueryGetUri, 'retry-after': '10' });
  }

  function filterOf(url: URL) {
    const from = url.searchParams.get('createdTimeFrom');
    const to = url.searchParams.get('createdTimeTo');
    const wanted = url.searchParams.get('runtimeStatus')?.split(',').filter((s): s is RuntimeStatus => statuses.includes(s as RuntimeStatus));
    return {
      createdFrom: from ? Date.parse(from) : undefined,
      createdTo: to ? Date.parse(to) : undefined,
      statuses: wanted,
      idPrefix: url.searchParams.get('instanceIdPrefix') ?? undefined,
    };
  }

  /** Purge by filter: createdTimeFrom is required; any status unless filtered; 404 when nothing matched. */
  function purgeByFilter(url: URL, send: Send): true {
    const filter = filterOf(url);
    if (filter.createdFrom === undefined || Number.isNaN(filter.createdFrom)) return send(400, { Message: 'createdTimeFrom is a required parameter.' });
    const rows = engine.list(filter);
    rows.forEach((r) => engine.purge(r.id));
    return rows.length > 0 ? send(200, { instancesDeleted: rows.length }) : notFound(send);
  }

  function list(url: URL, req: IncomingMessage, send: Send): true {
    const top = Number(url.searchParams.get('top') ?? '0');
    const token = req.headers['x-ms-continuation-token'];
    const after = typeof token === 'string' && token !== '' ? Buffer.from(token, 'base64url').toString() : undefined;
    const rows = engine.list({ ...filterOf(url), after, limit: top > 0 ? top + 1 : undefined });
    const page = top > 0 ? rows.slice(0, top) : rows;
    const headers: Record<string, string> = {};
    const last = page[page.length - 1];
    if (top > 0 && rows.length > top && last) headers['x-ms-continuation-token'] = Buffer.from(last.id).toString('base64url');
    const showInput = url.searchParams.get('showInput') !== 'false';
    return send(200, page.map((row) => toStatusJson(engine, row, { history: false, historyOutput: false, input: showInput })), headers);
  }
}

/** 200 once the instance has finished; 202 with Location and Retry-After while it runs (HttpApiHandler). */
function statusAnswer(status: RuntimeStatus, body: unknown, options: ManagementApiOptions, instanceId: string): [number, unknown, Record<string, string>] {
  if (status === 'Completed' || status === 'Failed' || status === 'Terminated') return [200, body, {}];
  return [202, body, { location: managementLinks(options, instanceId).statusQueryGetUri, 'retry-after': '5' }];
}

/** Instance ids the extension refuses (DurableClient.ValidateInstanceId). */
function validateInstanceId(id: string): void {
  if (id.length > 256 || id.startsWith('@') || /[/\\?#]/.test(id) || [...id].some((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f))) {
    throw new InvalidRequestError(`Orchestration instance ids must not contain /, \\, ?, # or control characters, must not start with @ and must be at most 256 characters.`);
  }
}

function azureError(message: string, type: string) {
  return { Message: 'Something went wrong while processing your request', ExceptionMessage: message, ExceptionType: type, StackTrace: null };
}

function managementLinks(options: ManagementApiOptions, instanceId: string) {
  const urls = clientBindingData(options).managementUrls as Record<string, string>;
  const links: Record<string, string> = { id: instanceId };
  for (const [key, value] of Object.entries(urls)) if (key !== 'id') links[key] = value.replace('INSTANCEID', encodeURIComponent(instanceId));
  return links as { id: string; statusQueryGetUri: string };
}

/** The status JSON the extension returns (and DurableOrchestrationStatus parses). */
export function toStatusJson(engine: DurableEngine, row: InstanceRow, show: { history: boolean; historyOutput: boolean; input: boolean }) {
  const parse = (text: string | null) => (text === null ? null : (JSON.parse(text) as unknown));
  const status: Record<string, unknown> = {
    name: row.name,
    instanceId: row.id,
    runtimeStatus: row.status,
    input: show.input ? parse(row.input) : null,
    customStatus: parse(row.customStatus),
    output: parse(row.output),
    createdTime: new Date(row.createdAt).toISOString(),
    lastUpdatedTime: new Date(row.updatedAt).toISOString(),
  };
  // As the extension shows history: without the OrchestratorStarted/Completed bookkeeping events.
  const bookkeeping = (e: HistoryEvent) => e.EventType === EventType.OrchestratorStarted || e.EventType === EventType.OrchestratorCompleted;
  if (show.history) status.historyEvents = engine.history(row).filter((e) => !bookkeeping(e)).map((e) => historyView(e, show.historyOutput));
  return status;
}

function historyView(event: HistoryEvent, withOutput: boolean): Record<string, unknown> {
  const view: Record<string, unknown> = { EventType: eventTypeName(event.EventType), Timestamp: event.Timestamp };
  for (const key of ['EventId', 'Name', 'TaskScheduledId', 'TimerId', 'FireAt', 'InstanceId', 'Reason']) {
    if (event[key] !== undefined && event[key] !== -1) view[key] = event[key];
  }
  if (withOutput) {
    if (typeof event.Result === 'string') view.Result = JSON.parse(event.Result) as unknown;
    if (typeof event.Input === 'string') view.Input = safeParse(event.Input);
  }
  return view;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function notFound(send: Send, message = 'Not found.'): true {
  return send(404, { Message: message });
}

/** Validates a JSON body and keeps it as text (the input of an instance or event). */
function normalizeJson(text: string): string {
  return JSON.stringify(JSON.parse(text));
}
