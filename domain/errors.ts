/**
 * How a failed media call should be handled: transient (retry with backoff), busy (another operation
 * runs on the live event: wait and re-read), wrong state (re-read the state and decide), not found,
 * or permanent (give up and compensate).
 */
export type ErrorClass = 'transient' | 'busy' | 'wrongState' | 'notFound' | 'permanent';

export interface ClassifiedError {
  class: ErrorClass;
  status?: number;
  code?: string;
  message: string;
}

const NETWORK_CODES = ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'REQUEST_SEND_ERROR'];

export function classifyError(error: unknown): ClassifiedError {
  const e = (error ?? {}) as { statusCode?: number; code?: string; message?: string };
  const message = e.message ?? String(error);
  const status = e.statusCode;
  if (status === undefined) {
    if (NETWORK_CODES.includes(e.code ?? '') || /socket hang up|network|timeout/i.test(message)) return { class: 'transient', code: e.code, message };
    if (/long-running operation has failed/i.test(message)) return { class: 'permanent', message };
    return { class: 'permanent', code: e.code, message };
  }
  const base = { status, code: e.code, message };
  if (status === 408 || status === 429 || status >= 500) return { ...base, class: 'transient' };
  if (status === 409) return { ...base, class: 'busy' };
  if (status === 404) return { ...base, class: 'notFound' };
  if (status === 400 && /in state/i.test(message)) return { ...base, class: 'wrongState' };
  return { ...base, class: 'permanent' };
}
