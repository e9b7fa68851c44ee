/** Small HTTP helpers shared by the triggers: JSON bodies and RFC 9457 problem responses. */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { validationProblem, type Problem } from '../domain/problem.js';

export const problemResponse = (problem: Problem): HttpResponseInit => ({
  status: problem.status,
  jsonBody: problem,
  headers: { 'content-type': 'application/problem+json' },
});

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit => ({ status, jsonBody: body, headers });

/** The parsed JSON body, or a 400 problem naming what is wrong with it. */
export async function readJson(request: HttpRequest): Promise<{ ok: true; body: unknown } | { ok: false; response: HttpResponseInit }> {
  const text = await request.text();
  if (text.trim() === '') return { ok: false, response: problemResponse(validationProblem([{ field: '', message: 'a JSON body is required' }])) };
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, response: problemResponse(validationProblem([{ field: '', message: `the body is not valid JSON (${(error as Error).message})` }])) };
  }
}
