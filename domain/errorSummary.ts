/**
 * Short, human-readable error text for custom status. In Azure an activity failure reaches the orchestrator
 * as `Error("Activity function 'x' failed: <message> \n <serialized .NET exception, often kilobytes>")`;
 * the local host and the orchestrator's own errors give a plain message. Both become one capped line.
 */

/** Longest summary kept in custom status (the whole status must stay under Azure's 16 KB UTF-16 limit). */
export const MAX_ERROR_SUMMARY = 300;

const ACTIVITY_FAILED = /^Activity function '([^']+)' failed:\s*/;
/** The worker's RPC failure text: "Result: Failure\nException: Error: boom\nStack: ...". */
const RPC_EXCEPTION = /(?:^|\n)\s*Exception:\s*([^\n]+)/;
const GENERIC = /^(?:Exception while executing function: \S+|Result: Failure)\s*$/;

export function summarizeError(error: unknown, maxLength = MAX_ERROR_SUMMARY): string {
  const { activity, message } = errorCause(error);
  return cap(activity ? `${activity} failed: ${message}` : message, maxLength);
}

/** The failed activity's name (Azure's "Activity function 'x' failed:" shape) and the message of the error, one line. */
export function errorCause(error: unknown): { activity?: string; message: string } {
  const text = error instanceof Error ? error.message : typeof error === 'string' ? error : safeString(error);
  // DFJS joins Reason and Details with " \n "; the Details are the serialized exception.
  const separator = text.indexOf(' \n ');
  const reason = separator >= 0 ? text.slice(0, separator) : text;
  const details = separator >= 0 ? text.slice(separator + 3) : '';

  const activity = ACTIVITY_FAILED.exec(reason);
  let message = activity ? reason.slice(activity[0].length) : reason;
  message = fromRpcText(message) ?? message;
  if (firstLine(message) === '' || GENERIC.test(firstLine(message))) message = fromDetails(details) ?? message;

  const summary = stripErrorPrefix(firstLine(message)) || 'unknown error';
  return activity ? { activity: activity[1], message: summary } : { message: summary };
}

/** Cuts `text` to `maxLength` characters, marking the cut. */
export function cap(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, Math.max(0, maxLength - 1))}…`;
}

function fromRpcText(text: string): string | undefined {
  return RPC_EXCEPTION.exec(text)?.[1]?.trim() || undefined;
}

/** The innermost useful `Message` of the serialized exception. */
function fromDetails(details: string): string | undefined {
  if (!details.trim().startsWith('{')) return fromRpcText(details);
  try {
    let node = JSON.parse(details) as { Message?: unknown; InnerException?: unknown } | null;
    let best: string | undefined;
    for (let depth = 0; node && depth < 10; depth++) {
      if (typeof node.Message === 'string') {
        const candidate = fromRpcText(node.Message) ?? firstLine(node.Message);
        if (candidate && !GENERIC.test(candidate)) best = candidate;
      }
      node = typeof node.InnerException === 'object' ? (node.InnerException as typeof node) : null;
    }
    return best;
  } catch {
    return fromRpcText(details);
  }
}

const firstLine = (text: string) => (text.split('\n').find((line) => line.trim() !== '') ?? '').trim().replace(/\s+/g, ' ');
const stripErrorPrefix = (text: string) => text.replace(/^(?:Error|TaskFailedError):\s*/, '');

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
