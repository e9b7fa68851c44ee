/**
 * Paged instance queries through the Durable extension's HTTP API (`GET .../instances?instanceIdPrefix=
 * &top=&runtimeStatus=&createdTimeTo=` with the `x-ms-continuation-token` header), which the extension
 * serves on Azure Storage and every other backend. durable-functions' `getStatusBy` always follows every
 * continuation (it returns all instances), so listing one page goes to the API directly, with the URLs
 * from the client binding (the local RPC endpoint when present, else the keyed management URL).
 */
import type * as df from 'durable-functions';

export interface InstanceQuery {
  instanceIdPrefix: string;
  top: number;
  runtimeStatus?: readonly string[];
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  showInput?: boolean;
  /** The extension's continuation token from the previous page. */
  continuationToken?: string;
}

/** One instance as the HTTP API returns it. */
export interface InstanceJson {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
}

interface ClientData {
  rpcBaseUrl?: string;
  managementUrls?: { statusQueryGetUri?: string; id?: string };
}

const TIMEOUT_MS = 30_000;

export async function queryInstances(client: df.DurableClient, query: InstanceQuery): Promise<{ instances: InstanceJson[]; continuationToken?: string }> {
  const url = instancesUrl(client);
  url.searchParams.set('instanceIdPrefix', query.instanceIdPrefix);
  url.searchParams.set('top', String(query.top));
  url.searchParams.set('showInput', String(query.showInput ?? true));
  if (query.runtimeStatus?.length) url.searchParams.set('runtimeStatus', query.runtimeStatus.join(','));
  if (query.createdTimeFrom) url.searchParams.set('createdTimeFrom', query.createdTimeFrom.toISOString());
  if (query.createdTimeTo) url.searchParams.set('createdTimeTo', query.createdTimeTo.toISOString());
  const headers: Record<string, string> = query.continuationToken ? { 'x-ms-continuation-token': query.continuationToken } : {};
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok) throw new Error(`Durable instance query failed with HTTP ${response.status}`);
  const instances = (await response.json()) as InstanceJson[];
  // Azure sends the header on every page, `null` on the last.
  const token = response.headers.get('x-ms-continuation-token');
  return { instances: Array.isArray(instances) ? instances : [], continuationToken: token && token !== 'null' ? token : undefined };
}

/**
 * One instance's status (`GET .../instances/{id}`), undefined when there is none. Answers as durable-functions'
 * `getStatus` does (200, 202 and 400 carry the status; anything else but 404 fails), without its exceptions for
 * a missing instance: a create looks its id up first, and building an Error and its stack for every new id cost
 * more than the rest of the read. `showInput: false` leaves out a large input (the capacity ledger's).
 */
export async function readInstance(client: df.DurableClient, instanceId: string, options: { showInput?: boolean } = {}): Promise<InstanceJson | undefined> {
  const url = instancesUrl(client, instanceId);
  url.searchParams.set('showInput', String(options.showInput ?? true));
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (response.status === 404) {
    await response.arrayBuffer();
    return undefined;
  }
  if (![200, 202, 400].includes(response.status)) {
    await response.arrayBuffer();
    throw new Error(`Durable status read failed with HTTP ${response.status}`);
  }
  return (await response.json()) as InstanceJson;
}

/**
 * `.../instances/{id}`, or the list of instances when `instanceId` is empty: through the binding's RPC endpoint, or
 * its keyed management URL (`.../instances/INSTANCEID?taskHub=..&connection=..&code=..`, the id put in its place).
 */
function instancesUrl(client: df.DurableClient, instanceId = ''): URL {
  const data = (client as unknown as { clientData?: ClientData }).clientData ?? {};
  const id = encodeURIComponent(instanceId);
  if (data.rpcBaseUrl) return new URL(`instances/${id}`, data.rpcBaseUrl);
  const template = data.managementUrls?.statusQueryGetUri;
  const placeholder = data.managementUrls?.id;
  if (!template || !placeholder) throw new Error('The durable client binding has no management URL');
  return new URL(template.replace(placeholder, id));
}
