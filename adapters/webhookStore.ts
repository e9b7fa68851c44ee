/**
 * Where webhook state is read: the subscriber and delivery instances, found by instance-id prefix through
 * the Durable HTTP API (the list query with `instanceIdPrefix`, `top` and `x-ms-continuation-token`, which
 * DurableClient does not expose). A prefix query costs what it returns: the subscribers, or one page of one
 * subscriber's deliveries; never a scan of the broadcasts.
 */
import type { InvocationContext } from '@azure/functions';
import type * as df from 'durable-functions';
import { durableClientOf } from './durableClient.js';
import { queryInstances as queryDurableInstances } from './instanceQuery.js';
import { subscriberInstanceId, subscriberInstancePrefix, type SubscriberHealth, type SubscriberRecord } from '../contracts/webhooks.js';

export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input?: unknown;
  customStatus?: unknown;
  output?: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: Array<Record<string, unknown>>;
}

export interface InstancePage {
  items: InstanceStatus[];
  continuationToken?: string;
}

export interface PageQuery {
  prefix: string;
  top: number;
  continuationToken?: string;
  runtimeStatus?: string[];
  showInput?: boolean;
}

interface ClientBinding {
  rpcBaseUrl?: string;
  baseUrl?: string;
  requiredQueryStringParameters?: string;
}

function bindingOf(context: InvocationContext): ClientBinding {
  const input = context.options.extraInputs.find((i) => i.type === 'durableClient' || i.type === 'orchestrationClient');
  if (!input) throw new Error('this function has no durable client input');
  const data = context.extraInputs.get(input) as ClientBinding | string | undefined;
  return (typeof data === 'string' ? JSON.parse(data) : data ?? {}) as ClientBinding;
}

function apiUrl(binding: ClientBinding, path: string, params: URLSearchParams): URL {
  // The RPC endpoint (loopback in Azure) needs no key; the public webhook route takes the binding's system key.
  return binding.rpcBaseUrl
    ? new URL(`${path}?${params.toString()}`, binding.rpcBaseUrl)
    : new URL(`${binding.baseUrl ?? ''}/${path}?${params.toString()}&${binding.requiredQueryStringParameters ?? ''}`);
}

/** One instance with its history and the activity results in it (DurableClient drops `historyEvents`). */
export async function readInstanceHistory(context: InvocationContext, instanceId: string): Promise<InstanceStatus | undefined> {
  const params = new URLSearchParams({ showHistory: 'true', showHistoryOutput: 'true', showInput: 'true' });
  const response = await fetch(apiUrl(bindingOf(context), `instances/${encodeURIComponent(instanceId)}`, params));
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`the Durable status query answered ${response.status}`);
  return (await response.json()) as InstanceStatus;
}

/** One page of instances whose id starts with `prefix`, in instance-id order. */
export async function queryInstances(context: InvocationContext, query: PageQuery): Promise<InstancePage> {
  const page = await queryDurableInstances(durableClientOf(context), {
    instanceIdPrefix: query.prefix, top: query.top, runtimeStatus: query.runtimeStatus, showInput: query.showInput, continuationToken: query.continuationToken,
  });
  // A page shorter than asked for is the last one.
  const more = page.continuationToken && page.instances.length >= query.top;
  return { items: page.instances, ...(more && { continuationToken: page.continuationToken }) };
}

/** Every instance with the prefix (bounded by what the prefix selects), page by page. */
export async function allInstances(context: InvocationContext, prefix: string, runtimeStatus?: string[]): Promise<InstanceStatus[]> {
  const all: InstanceStatus[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await queryInstances(context, { prefix, top: 100, continuationToken, runtimeStatus });
    all.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return all;
}

export interface SubscriberEntry {
  record: SubscriberRecord;
  health: SubscriberHealth;
}

const active = ['Running', 'Pending'];
const entryOf = (status: { input?: unknown; customStatus?: unknown }): SubscriberEntry | undefined => {
  const record = status.input as SubscriberRecord | undefined;
  if (!record || typeof record !== 'object' || typeof record.id !== 'string') return undefined; // not ours: skipped
  const health = (status.customStatus as SubscriberHealth | null | undefined) ?? (record.origin === 'settings' && record.health) ?? { state: 'active' };
  return { record, health: health || { state: 'active' } };
};

/** All subscriber instances (registered ones and health records of configured ones): one prefix query. */
export async function subscriberEntries(context: InvocationContext): Promise<SubscriberEntry[]> {
  const instances = await allInstances(context, subscriberInstancePrefix, active);
  return instances.flatMap((s) => entryOf(s) ?? []);
}

/** One subscriber instance, if it is running. */
export async function subscriberEntry(client: df.DurableClient, subscriberId: string): Promise<SubscriberEntry | undefined> {
  let status: df.DurableOrchestrationStatus;
  try {
    status = await client.getStatus(subscriberInstanceId(subscriberId), { showInput: true });
  } catch (error) {
    if (/404/.test(String(error))) return undefined;
    throw error;
  }
  if (!status || !active.includes(String(status.runtimeStatus))) return undefined;
  return entryOf(status);
}
