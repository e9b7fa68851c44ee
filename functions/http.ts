/** Small HTTP helpers shared by the triggers: JSON bodies and RFC 9457 problem responses. */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { internalProblem, tooLargeProblem, validationProblem, type Problem } from '../domain/problem.js';

export const problemResponse = (problem: Problem): HttpResponseInit => ({
  status: problem.status,
  jsonBody: problem,
  headers: { 'content-type': 'application/problem+json' },
});

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit => ({ status, jsonBody: body, headers });

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** The body as text, or a 413 problem: the declared length is checked before reading, the real one before decoding. */
export async function readText(request: HttpRequest, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<{ ok: true; text: string } | { ok: false; response: HttpResponseInit }> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) return { ok: false, response: problemResponse(tooLargeProblem(maxBytes)) };
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > maxBytes) return { ok: false, response: problemResponse(tooLargeProblem(maxBytes)) };
  return { ok: true, text: bytes.toString('utf8') };
}

/** The parsed JSON body, or a 400/413 problem naming what is wrong with it. */
export async function readJson(request: HttpRequest, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<{ ok: true; body: unknown } | { ok: false; response: HttpResponseInit }> {
  const read = await readText(request, maxBytes);
  if (!read.ok) return read;
  const text = read.text;
  if (text.trim() === '') return { ok: false, response: problemResponse(validationProblem([{ field: '', message: 'a JSON body is required' }])) };
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, response: problemResponse(validationProblem([{ field: '', message: 'the body is not valid JSON' }])) };
  }
}

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * The last line of defence of an HTTP function: whatever escapes becomes a 500 problem+json carrying the
 * invocation id as correlation id, with nothing internal in it; the error itself goes to the log.
 */
export const withProblemDetails = (handler: Handler): Handler => async (request, context) => {
  try {
    return await handler(request, context);
  } catch (error) {
    // The stack only: SDK errors carry their request (URLs with keys, headers) in other properties.
    context.error(`${context.functionName} failed (correlation id ${context.invocationId}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return problemResponse(internalProblem(context.invocationId));
  }
};
