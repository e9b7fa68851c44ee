// Refusals are classified by HTTP status and ARM error code, and judged from the re-read live event.
import { describe, expect, it } from 'vitest';
import { classifyError, judgeRefusal } from '../../domain/errors.js';

describe('error classification', () => {
  it.each([
    [{ statusCode: 429, message: 'slow down' }, 'transient'],
    [{ statusCode: 503, message: 'unavailable' }, 'transient'],
    [{ statusCode: 404, code: 'ResourceNotFound', message: 'The Channel was not found.' }, 'notFound'],
    [{ statusCode: 409, code: 'OperationInProgress', message: 'x' }, 'busy'],
    [{ statusCode: 400, code: 'AnotherOperationInProgress', message: 'x' }, 'busy'],
    [{ statusCode: 409, code: 'Conflict', message: 'The request could not be completed due to a conflict.' }, 'refused'],
    [{ statusCode: 400, code: 'BadRequest', message: "Cannot start the live event 'x' in state 'Running'." }, 'refused'],
    [{ statusCode: 400, code: 'InvalidOperation', message: 'Start is not a valid operation at this time.' }, 'refused'],
    [{ statusCode: 400, code: 'InvalidParameter', message: 'bad name' }, 'invalid'],
    [{ statusCode: 403, code: 'AuthorizationFailed', message: 'no' }, 'permanent'],
    [{ code: 'ECONNRESET', message: 'socket hang up' }, 'transient'],
    [new Error('The long-running operation has failed. InternalServerError.'), 'permanent'],
  ])('%o is %s', (error, expected) => {
    expect(classifyError(error).class).toBe(expected);
  });

  it('never reads the message: the same wording classifies by status and code alone', () => {
    const wording = "Cannot start the live event 'x' in state 'Running'.";
    expect(classifyError({ statusCode: 400, code: 'InvalidParameter', message: wording }).class).toBe('invalid');
    expect(classifyError({ statusCode: 409, code: 'OperationInProgress', message: wording }).class).toBe('busy');
    expect(classifyError({ statusCode: 400, code: 'BadRequest', message: 'operation in progress' }).class).toBe('refused');
  });
});

describe('judging a refusal from the re-read live event', () => {
  it.each([
    ['stop', { exists: false }, 'gone'],
    ['stop', { exists: true, resourceState: 'Stopped' }, 'alreadyDone'],
    ['start', { exists: true, resourceState: 'Running' }, 'alreadyDone'],
    ['allocate', { exists: true, resourceState: 'Running' }, 'alreadyDone'],
    ['stop', { exists: true, resourceState: 'Running', busy: true }, 'retry'],
    ['stop', { exists: true, resourceState: 'Starting' }, 'retry'],
    ['stop', { exists: true, resourceState: 'Running' }, 'retry'], // allowed now: an invisible operation, or a stale read
    ['delete', { exists: true, resourceState: 'Running' }, 'refused'],
    ['allocate', { exists: true, resourceState: 'StandBy' }, 'alreadyDone'],
    ['start', { exists: true, resourceState: 'Deleting' }, 'retry'],
    ['liveOutput', { exists: true, resourceState: 'Running' }, 'retry'],
  ] as const)('%s on %o is %s', (action, observed, verdict) => {
    expect(judgeRefusal(action, observed)).toBe(verdict);
  });
});
