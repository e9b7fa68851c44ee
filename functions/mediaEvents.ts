/**
 * Event Grid trigger for AMS live event events: each event is routed to the broadcast that owns its live event
 * (`bc-{broadcastId}`), only when it comes from a configured account and from that broadcast's own account.
 * Anything else is ignored and counted (never thrown: the extension would answer 500 and Event Grid would redeliver
 * an event that can never be used). Heartbeats are forwarded only when they say something new (each forwarded event
 * is orchestration history).
 */
import type { InvocationContext } from '@azure/functions';
import { durableClientOf } from '../adapters/durableClient.js';
import { BroadcastEvents, broadcastInstanceId, type BroadcastOrchestrationInput, type BroadcastStatus } from '../contracts/broadcast.js';
import type { MediaAccountRef } from '../contracts/media.js';
import { broadcastIdOfLiveEvent, parseMediaEvent, worthForwarding } from '../domain/encoderEvents.js';

export type IgnoredReason = 'malformed' | 'unknownAccount' | 'unknownLiveEvent' | 'notRunning' | 'otherAccount';
/** Events ignored by this worker, by reason (also logged). */
export const ignoredMediaEvents: Record<IgnoredReason, number> = { malformed: 0, unknownAccount: 0, unknownLiveEvent: 0, notRunning: 0, otherAccount: 0 };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const sameAccount = (a: MediaAccountRef, b: MediaAccountRef) => same(a.subscriptionId, b.subscriptionId) && same(a.resourceGroup, b.resourceGroup) && same(a.accountName, b.accountName);

export function createMediaEventHandler(deps: { accounts: readonly MediaAccountRef[] }) {
  return async (event: unknown, context: InvocationContext): Promise<void> => {
    const ignore = (reason: IgnoredReason, detail: string) => {
      ignoredMediaEvents[reason] += 1;
      context.warn(`media event ignored (${reason}): ${detail}`);
    };
    const parsed = parseMediaEvent(event);
    if (!parsed.ok) return ignore('malformed', parsed.reason);
    const notice = parsed.event;
    if (!deps.accounts.some((a) => sameAccount(a, notice.account))) return ignore('unknownAccount', `${notice.account.accountName} is not a configured account`);
    const broadcastId = broadcastIdOfLiveEvent(notice.liveEventName);
    if (!broadcastId) return ignore('unknownLiveEvent', notice.liveEventName);
    const client = durableClientOf(context);
    const instanceId = broadcastInstanceId(broadcastId);
    const instance = await client.getStatus(instanceId, { showInput: true }).catch(() => undefined);
    const input = instance?.input as BroadcastOrchestrationInput | undefined;
    if (!instance || !input?.spec) return ignore('unknownLiveEvent', notice.liveEventName);
    if (!sameAccount(input.spec.account, notice.account)) return ignore('otherAccount', `${notice.liveEventName} of ${notice.account.accountName} is not broadcast ${broadcastId}'s live event`);
    if (instance.runtimeStatus !== 'Running' && instance.runtimeStatus !== 'Pending') return ignore('notRunning', `${broadcastId} is ${instance.runtimeStatus}`);
    const status = instance.customStatus as BroadcastStatus | undefined;
    if (!worthForwarding(notice, status?.encoder)) return;
    await client.raiseEvent(instanceId, BroadcastEvents.encoder, notice);
  };
}
