/**
 * The durable client of an invocation, built once per distinct binding: durable-functions' getClient
 * validates and rewrites every management URL on each call (measurable at hundreds of requests per
 * second), and the binding data is the same for every invocation of a host.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

const clients = new Map<string, df.DurableClient>();
const MAX_CACHED = 16;

export function durableClientOf(context: InvocationContext): df.DurableClient {
  const input = context.options.extraInputs.find((i) => i.type === 'durableClient' || i.type === 'orchestrationClient');
  const data = input ? context.extraInputs.get(input) : undefined;
  const key = data === undefined ? undefined : JSON.stringify(data);
  if (key === undefined) return df.getClient(context); // let durable-functions report the missing binding
  let client = clients.get(key);
  if (!client) {
    client = df.getClient(context);
    if (clients.size >= MAX_CACHED) clients.clear();
    clients.set(key, client);
  }
  return client;
}
