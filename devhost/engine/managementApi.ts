/**
 * The Durable Functions HTTP management API, as the extension serves it: the public webhook routes
 * (`/runtime/webhooks/durabletask/...`, used by createCheckStatusResponse links) and the RPC routes
 * (`/durabletask/...`) that DurableClient calls when the binding data carries an rpcBaseUrl.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../worker/httpTriggers.js';
import { eventTypeName, type HistoryEvent } from './history.js';
import { DurableEngine, InstanceConflictError, InstanceGoneError, InstanceNotFoundError } from './engine.js';
import type { InstanceRow, RuntimeStatus } from './store.js';

const WEBHOOK_PREFIX = '/runtime/webhooks/durabletask';
const RPC_PREFIX = '/durabletask';
const statuses: RuntimeStatus[] = ['Pending', 'Running', 'Completed', 'ContinuedAsNew', 'Failed', 'Terminated', 'Suspended'];

export interface ManagementApiOptions {
  engine: DurableEngine;
  taskHubName: string;
  /** The host's own origin, e.g. http://127.0.0.1:7071. */
  baseUrl: () => string;
}

/** The `durableClient` input binding data the extension gives client functions. */
export function clientBindingData(options: ManagementApiOptions): Record<string, unknown> {
  const webhooks = `${options.baseUrl()}${WEBHOOK_PREFIX}`;
  const query = `taskHub=${options.taskHubName}&connection=Storage`;
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
    rpcBaseUrl: `${options.baseUrl()}${RPC_PREFIX}/`,
    httpBaseUrl: '',
    connectionName: 'Storage',
  };
}

export function createManagementApi(options: ManagementApiOptions) {
  const { engine } = options;

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const prefix = [WEBHOOK_PREFIX, RPC_PREFIX].find((p) => url.pathname.toLowerCase().startsWith(p + '/'));
    if (!prefix) return false;
    const webhook = prefix === WEBHOOK_PREFIX;
    const parts = url.pathname.slice(prefix.length + 1).split('/').map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const body = (await readBody(req)).toString('utf8');
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };

    try {
      if (parts[0] === 'orchestrators' && method === 'POST' && parts[1]) {
        const instanceId = parts[2] || crypto.randomUUID().replace(/-/g, '');
        engine.startNew(parts[1], instanceId, body.trim() === '' ? null : normalizeJson(body));
        const links = managementLinks(options, instanceId);
        send(202, links, { location: links.statusQueryGetUri });
        return true;
      }
      if (parts[0] !== 'instances') return notFound(send);
      const instanceId = parts[1] ?? '';
      const operation = parts[2];

      if (instanceId === '' && method === 'GET') return list(url, req, send);
      if (instanceId === '' && method === 'DELETE') {
        const rows = listForPurge(url).filter((r) => ['Completed', 'Failed', 'Terminated'].includes(r.status));
        rows.forEach((r) => engine.purge(r.id));
        send(rows.length > 0 ? 200 : 404, { instancesDeleted: rows.length });
        return true;
      }
      if (!operation && method === 'GET') {
        const instance = engine.getInstance(instanceId);
        if (!instance) return notFound(send, `No instance with ID '${instanceId}' found.`);
        const flag = (name: string) => url.searchParams.get(name)?.toLowerCase() === 'true';
        const status = toStatusJson(engine, instance, { history: flag('showHistory'), historyOutput: flag('showHistoryOutput'), input: url.searchParams.get('showInput') !== 'false' });
        send(webhook ? webhookStatusCode(instance.status) : 200, status);
        return true;
      }
      if (!operation && method === 'DELETE') {
        const purged = engine.purge(instanceId);
        send(purged ? 200 : 404, { instancesDeleted: purged ? 1 : 0 });
        return true;
      }
      if (method !== 'POST') return notFound(send);
      const reason = url.searchParams.get('reason') ?? '';
      switch (operation) {
        case 'raiseEvent':
          engine.raiseEvent(instanceId, parts[3] ?? '', body.trim() === '' ? null : normalizeJson(body));
          break;
        case 'terminate':
          engine.terminate(instanceId, reason);
          break;
        case 'suspend':
          engine.suspend(instanceId);
          break;
        case 'resume':
          engine.resume(instanceId);
          break;
        case 'rewind':
          send(501, { message: 'Rewind is not supported by the local host (it is deprecated in Durable Functions).' });
          return true;
        default:
          return notFound(send);
      }
      send(202);
      return true;
    } catch (error) {
      if (error instanceof InstanceNotFoundError) return notFound(send, error.message);
      if (error instanceof InstanceConflictError) send(409, { message: error.message });
      else if (error instanceof InstanceGoneError) send(410, { message: error.message });
      else if (error instanceof SyntaxError) send(400, { message: `The request body is not valid JSON: ${error.message}` });
      else throw error;
      return true;
    }
  };

  function listForPurge(url: URL): InstanceRow[] {
    const from = url.searchParams.get('createdTimeFrom');
    const to = url.searchParams.get('createdTimeTo');
    const wanted = url.searchParams.get('runtimeStatus')?.split(',').filter((s): s is RuntimeStatus => statuses.includes(s as RuntimeStatus));
    return options.engine.list({
      createdFrom: from ? Date.parse(from) : undefined,
      createdTo: to ? Date.parse(to) : undefined,
      statuses: wanted,
      idPrefix: url.searchParams.get('instanceIdPrefix') ?? undefined,
    });
  }

  function list(url: URL, req: IncomingMessage, send: (status: number, payload?: unknown, headers?: Record<string, string>) => void): true {
    const top = Number(url.searchParams.get('top') ?? '0');
    const token = req.headers['x-ms-continuation-token'];
    const after = typeof token === 'string' && token !== '' ? Buffer.from(token, 'base64url').toString() : undefined;
    const from = url.searchParams.get('createdTimeFrom');
    const to = url.searchParams.get('createdTimeTo');
    const wanted = url.searchParams.get('runtimeStatus')?.split(',').filter((s): s is RuntimeStatus => statuses.includes(s as RuntimeStatus));
    const rows = options.engine.list({
      createdFrom: from ? Date.parse(from) : undefined,
      createdTo: to ? Date.parse(to) : undefined,
      statuses: wanted,
      idPrefix: url.searchParams.get('instanceIdPrefix') ?? undefined,
      after,
      limit: top > 0 ? top + 1 : undefined,
    });
    const page = top > 0 ? rows.slice(0, top) : rows;
    const headers: Record<string, string> = {};
    const last = page[page.length - 1];
    if (top > 0 && rows.length > top && last) headers['x-ms-continuation-token'] = Buffer.from(last.id).toString('base64url');
    const showInput = url.searchParams.get('showInput') !== 'false';
    send(200, page.map((row) => toStatusJson(options.engine, row, { history: false, historyOutput: false, input: showInput })), headers);
    return true;
  }
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
  if (show.history) status.historyEvents = engine.history(row).map((e) => historyView(e, show.historyOutput));
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

function webhookStatusCode(status: RuntimeStatus): number {
  if (status === 'Completed') return 200;
  if (status === 'Failed' || status === 'Terminated') return 400;
  return 202;
}

function notFound(send: (status: number, payload?: unknown) => void, message = 'Not found.'): true {
  send(404, { message });
  return true;
}

/** Validates a JSON body and keeps it as text (the input of an instance or event). */
function normalizeJson(text: string): string {
  return JSON.stringify(JSON.parse(text));
}
