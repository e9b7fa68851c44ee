/**
 * How a failed media call should be handled, decided from the HTTP status and the ARM error `code`
 * only: AMS's wording for refusals is not published, so message text is never read.
 *
 * - transient: retry with backoff (throttling, 5xx, timeouts, network errors)
 * - busy: another operation runs on the live event (a code that says so): wait, then try again
 * - refused: the service refused the request as things stand (any other 400 or 409). Whether that is
 *   a wrong state or an operation in progress is not knowable from the answer: re-read and decide.
 * - notFound, invalid (the request itself is malformed), permanent (give up and compensate)
 */
import { TRANSIENT_STATES } from './liveEventDecisions.js';

export type ErrorClass = 'transient' | 'busy' | 'refused' | 'notFound' | 'invalid' | 'permanent';

export interface ClassifiedError {
  class: ErrorClass;
  status?: number;
  code?: string;
  message: string;
}

const NETWORK_CODES = ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'REQUEST_SEND_ERROR'];
/** Codes that name an operation in progress (ARM and AMS variants), with a 400 or a 409. */
const BUSY_CODES = ['operationinprogress', 'anotheroperationinprogress', 'conflictingoperationinprogress', 'concurrentoperation', 'operationnotallowedwhileinprogress'];
/** 400 codes that mean the request itself is wrong: repeating it cannot help. */
const INVALID_CODES = ['invalidparameter', 'invalidrequestcontent', 'invalidrequestformat', 'missingapiversionparameter', 'invalidapiversionparameter', 'invalidresourcename', 'linkedinvalidpropertyid', 'missingrequiredparameter'];

export function classifyError(error: unknown): ClassifiedError {
  const e = (error ?? {}) as { statusCode?: number; code?: string; message?: string; name?: string };
  const message = e.message ?? String(error);
  const status = e.statusCode;
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (status === undefined) {
    // No HTTP answer: a network failure or a timeout is transient; a failed or cancelled LRO is not.
    if (NETWORK_CODES.includes(code ?? '') || e.name === 'AbortError' || e.name === 'TimeoutError') return { class: 'transient', code, message };
    return { class: 'permanent', code, message };
  }
  const base = { status, code, message };
  const lowerCode = (code ?? '').toLowerCase();
  if (status === 408 || status === 429 || status >= 500) return { ...base, class: 'transient' };
  if (status === 404) return { ...base, class: 'notFound' };
  if ((status === 400 || status === 409) && BUSY_CODES.includes(lowerCode)) return { ...base, class: 'busy' };
  if (status === 409) return { ...base, class: 'refused' };
  if (status === 400) return { ...base, class: INVALID_CODES.includes(lowerCode) ? 'invalid' : 'refused' };
  return { ...base, class: 'permanent' };
}

/** A live event as the adapter last read it. */
export interface ObservedLiveEvent {
  exists: boolean;
  resourceState?: string;
  /** provisioningState InProgress: the service is working on it. */
  busy?: boolean;
}

export type RefusedAction = 'allocate' | 'start' | 'stop' | 'delete' | 'liveOutput';

/**
 * After a refusal (or a busy answer), what the live event's re-read state says:
 * - gone: it no longer exists
 * - alreadyDone: it is where the action would have taken it
 * - retry: an operation runs on it (transient state, provisioningState InProgress), or its state allows
 *   the action (so the refusal was an operation we cannot see, or a stale read): try again shortly
 * - refused: its state does not allow the action: the caller decides from that state
 */
export type RefusalVerdict = 'gone' | 'alreadyDone' | 'retry' | 'refused';

const ALLOWED_FROM: Record<RefusedAction, string[]> = {
  allocate: ['Stopped'],
  start: ['Stopped', 'StandBy'],
  stop: ['StandBy', 'Running'],
  delete: ['Stopped'],
  liveOutput: ['Stopped', 'StandBy', 'Running'],
};
const DONE_IN: Partial<Record<RefusedAction, string[]>> = {
  allocate: ['StandBy', 'Running'],
  start: ['Running'],
  stop: ['Stopped'],
};

export function judgeRefusal(action: RefusedAction, observed: ObservedLiveEvent): RefusalVerdict {
  if (!observed.exists) return 'gone';
  const state = observed.resourceState ?? '';
  if (DONE_IN[action]?.includes(state)) return 'alreadyDone';
  if (observed.busy || TRANSIENT_STATES.includes(state)) return 'retry';
  if (ALLOWED_FROM[action].includes(state)) return 'retry';
  return 'refused';
}
