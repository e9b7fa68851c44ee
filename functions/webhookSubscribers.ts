/** Subscribers registered through the API: POST /api/webhooks/subscribers, GET to list, DELETE …/{id} to remove. */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import { LifecycleEventTypes } from '../contracts/notifications.js';
import { conflictProblem, notFoundProblem, validationProblem } from '../domain/problem.js';
import { removeSubscriberEvent, subscriberInstanceId, webhookSubscriberOrchestrator } from '../orchestrators/webhookSubscriber.js';
import { json, problemResponse, readJson } from './http.js';

export const subscriberSchema = z
  .object({
    id: z.string().regex(/^[a-zA-Z0-9-_]{1,40}$/, '1-40 letters, digits, hyphens or underscores'),
    url: z.url({ protocol: /^https?$/ }),
    secret: z.string().regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, 'must be a Standard Webhooks secret: whsec_ followed by base64'),
    events: z.array(z.enum(LifecycleEventTypes)).optional(),
  })
  .strict();
export type RegisteredSubscriber = z.infer<typeof subscriberSchema>;

/** Subscribers registered through the API (running `subscriber-…` instances). */
export async function registeredSubscribers(client: df.DurableClient): Promise<RegisteredSubscriber[]> {
  const running = await client.getStatusBy({ runtimeStatus: [df.OrchestrationRuntimeStatus.Running, df.OrchestrationRuntimeStatus.Pending] });
  return running.filter((s) => s.name === webhookSubscriberOrchestrator).map((s) => s.input as RegisteredSubscriber);
}

export function createSubscriberHandlers() {
  return {
    registerSubscriber: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      const body = await readJson(request);
      if (!body.ok) return body.response;
      const parsed = subscriberSchema.safeParse(body.body);
      if (!parsed.success) {
        return problemResponse(validationProblem(parsed.error.issues.map((i) => ({ field: '/' + i.path.map(String).join('/'), message: i.message })), 'The subscriber is not valid.'));
      }
      const client = df.getClient(context);
      try {
        await client.startNew(webhookSubscriberOrchestrator, { instanceId: subscriberInstanceId(parsed.data.id), input: parsed.data });
      } catch {
        return problemResponse(conflictProblem(`A subscriber with id '${parsed.data.id}' is already registered.`));
      }
      return json(201, { id: parsed.data.id, url: parsed.data.url, events: parsed.data.events ?? 'all' });
    },
    listSubscribers: async (_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> =>
      json(200, { items: (await registeredSubscribers(df.getClient(context))).map(({ secret: _secret, ...visible }) => visible) }),
    removeSubscriber: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      const id = request.params.id ?? '';
      try {
        await df.getClient(context).raiseEvent(subscriberInstanceId(id), removeSubscriberEvent, null);
      } catch {
        return problemResponse(notFoundProblem(`No subscriber with id '${id}'.`));
      }
      return { status: 204 };
    },
  };
}
