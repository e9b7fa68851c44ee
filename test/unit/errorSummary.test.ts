import { describe, expect, it } from 'vitest';
import { MAX_ERROR_SUMMARY, summarizeError } from '../../domain/errorSummary.js';

/** What DFJS builds from the extension's TaskFailed (Reason + " \n " + Details), as Azure delivers it. */
function azureActivityFailure(activity: string, message: string): Error {
  const rpc = `Result: Failure\nException: Error: ${message}\nStack: Error: ${message}\n    at handler (/home/site/wwwroot/dist/activities/x.js:10:11)\n`.repeat(1);
  const details = JSON.stringify({
    $type: 'Microsoft.Azure.WebJobs.Host.FunctionInvocationException, Microsoft.Azure.WebJobs.Host',
    ClassName: 'Microsoft.Azure.WebJobs.Host.FunctionInvocationException',
    Message: `Exception while executing function: Functions.${activity}`,
    InnerException: { $type: 'Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException', ClassName: 'RpcException', Message: rpc, StackTraceString: '   at '.repeat(400) },
    StackTraceString: '   at Microsoft.Azure.WebJobs.Host.Executors.FunctionExecutor.ExecuteWithLoggingAsync(...)\n'.repeat(40),
  });
  return new Error(`Activity function '${activity}' failed: Exception while executing function: Functions.${activity} \n ${details}`);
}

describe('summarizeError', () => {
  it('extracts the activity and its message from the kilobytes Azure delivers', () => {
    const error = azureActivityFailure('requestLiveEventAction', 'live event bc-x: start failed (InternalServerError)');
    expect(error.message.length).toBeGreaterThan(4_000);
    expect(summarizeError(error)).toBe('requestLiveEventAction failed: live event bc-x: start failed (InternalServerError)');
  });

  it('uses the reason when it already carries the message', () => {
    const error = new Error(`Activity function 'deliverWebhook' failed: receiver answered 500 \n ${JSON.stringify({ Message: 'x', StackTraceString: 'y'.repeat(5000) })}`);
    expect(summarizeError(error)).toBe('deliverWebhook failed: receiver answered 500');
  });

  it('reads the worker text when it is the reason', () => {
    expect(summarizeError(new Error("Activity function 'readLiveEvent' failed: Result: Failure\nException: Error: boom\nStack: at x"))).toBe('readLiveEvent failed: boom');
  });

  it('keeps the local shapes and plain messages, on one line', () => {
    const local = Object.assign(new Error('Error: receiver answered 500'), { name: 'TaskFailedError' });
    expect(summarizeError(local)).toBe('receiver answered 500');
    expect(summarizeError(new Error('live event bc-1 did not reach Running in time (it is Stopped)\nmore'))).toBe('live event bc-1 did not reach Running in time (it is Stopped)');
    expect(summarizeError('plain text')).toBe('plain text');
    expect(summarizeError({ code: 42 })).toBe('{"code":42}');
    expect(summarizeError(new Error(''))).toBe('unknown error');
  });

  it('caps the length', () => {
    const summary = summarizeError(new Error('x'.repeat(10_000)));
    expect(summary).toHaveLength(MAX_ERROR_SUMMARY);
    expect(summary.endsWith('…')).toBe(true);
    expect(summarizeError(azureActivityFailure('a', 'y'.repeat(5_000)))).toHaveLength(MAX_ERROR_SUMMARY);
  });
});
