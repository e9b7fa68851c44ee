/**
 * Provider error answers turned into the one shape `classifyError` (domain/errors.ts) reads: an HTTP status and an
 * ARM-style `code`. Pure, so each provider's quirks are tested directly.
 *
 * MK.IO answers `{"error":{"code","detail","extraDetail"},"status","ref"}` (sometimes `error` is a plain string), and
 * sometimes reports "already exists" as 400 where ARM says 409 (../shared/media-successors.md §5).
 */

export interface ProviderErrorShape {
  statusCode: number;
  code?: string;
  message: string;
  /** From a Retry-After header (seconds or an HTTP date). */
  retryAfterMs?: number;
}

/** Longest text of an answer kept in a message: statuses and logs must stay small. */
const MAX_MESSAGE = 300;

export function mkioErrorShape(status: number, body: string, retryAfter?: string, nowMs = 0): ProviderErrorShape {
  let code: string | undefined;
  let detail: string | undefined;
  try {
    const json = JSON.parse(body) as { error?: unknown; detail?: unknown; message?: unknown };
    if (typeof json.error === 'string') detail = json.error;
    else if (json.error && typeof json.error === 'object') {
      const e = json.error as { code?: unknown; detail?: unknown; message?: unknown };
      if (typeof e.code === 'string') code = e.code;
      detail = typeof e.detail === 'string' ? e.detail : typeof e.message === 'string' ? e.message : undefined;
    } else if (typeof json.detail === 'string') detail = json.detail;
  } catch {
    detail = body.trim() || undefined;
  }
  const message = (detail ?? `HTTP ${status}`).slice(0, MAX_MESSAGE);
  // "Already exists" as 400 is a conflict, whatever the code says: the caller re-reads and finds the resource.
  if (status === 400 && /already exists/i.test(message)) return withRetry({ statusCode: 409, code: 'Conflict', message }, retryAfter, nowMs);
  return withRetry({ statusCode: status, ...(code ? { code } : {}), message }, retryAfter, nowMs);
}

function withRetry(shape: ProviderErrorShape, retryAfter: string | undefined, nowMs: number): ProviderErrorShape {
  const ms = retryAfterMs(retryAfter, nowMs);
  return ms === undefined ? shape : { ...shape, retryAfterMs: ms };
}

/** A Retry-After header in ms (delay-seconds or an HTTP date), or undefined. */
export function retryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}
