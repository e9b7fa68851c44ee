// MK.IO's error answers in the shape the one classifier reads: "already exists" as 400 is a conflict (re-read),
// a stop refused for an output is a refusal, 405 (allocate not implemented) permanent, 429 transient with its wait.
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../domain/errors.js';
import { mkioErrorShape, retryAfterMs } from '../../domain/mediaErrors.js';

const body = (code: string, detail: string, status: number) => JSON.stringify({ error: { code, detail, extraDetail: {} }, status, ref: 'abc' });

describe('mkioErrorShape', () => {
  it('reads detail where ARM has message, and keeps the code', () => {
    expect(mkioErrorShape(404, body('NotFound', 'Live event bc-1 not found', 404))).toEqual({ statusCode: 404, code: 'NotFound', message: 'Live event bc-1 not found' });
  });

  it('turns "already exists" answered as 400 into a 409 conflict; any other 400 stays a 400', () => {
    const exists = mkioErrorShape(400, body('BadRequest', 'Live event bc-1 already exists.', 400));
    expect(exists).toMatchObject({ statusCode: 409, code: 'Conflict' });
    expect(classifyError(exists).class).toBe('refused');
    const stop = mkioErrorShape(400, body('BadRequest', 'live output still exists', 400));
    expect(stop).toMatchObject({ statusCode: 400, code: 'BadRequest' });
    expect(classifyError(stop).class).toBe('refused');
  });

  it('takes a plain-string error and a body that is not JSON', () => {
    expect(mkioErrorShape(400, JSON.stringify({ error: 'bad thing' })).message).toBe('bad thing');
    expect(mkioErrorShape(502, '<html>bad gateway</html>')).toMatchObject({ statusCode: 502, message: '<html>bad gateway</html>' });
    expect(mkioErrorShape(500, '').message).toBe('HTTP 500');
    expect(mkioErrorShape(400, JSON.stringify({ error: { code: 'x', detail: 'y'.repeat(1000) } })).message).toHaveLength(300);
  });

  it('classifies allocate-not-implemented as permanent and throttling as transient with its Retry-After', () => {
    expect(classifyError(mkioErrorShape(405, body('MethodNotAllowed', 'not implemented', 405))).class).toBe('permanent');
    const throttled = mkioErrorShape(429, body('TooManyRequests', 'rate limit', 429), '7');
    expect(throttled.retryAfterMs).toBe(7_000);
    expect(classifyError(throttled).class).toBe('transient');
    expect(retryAfterMs('Wed, 01 Jan 2030 00:00:10 GMT', Date.UTC(2030, 0, 1))).toBe(10_000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
  });
});
