/**
 * History events in the wire shape the durable-functions replay engine reads (the Durable extension's
 * out-of-process protocol: PascalCase fields, numeric EventType, EventId = task sequence number).
 */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventRaised: 15,
  ContinueAsNew: 16,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;
export type EventTypeName = keyof typeof EventType;

export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

export function historyEvent(type: EventTypeName, atMs: number, fields: Record<string, unknown> = {}): HistoryEvent {
  return { EventType: EventType[type], EventId: -1, IsPlayed: false, Timestamp: new Date(atMs).toISOString(), ...fields };
}

/**
 * A .NET exception as the extension serializes a failure cause into `Details` (Newtonsoft with
 * TypeNameHandling.Objects over Exception's ISerializable fields).
 */
export function dotnetException(type: string, message: string, stack?: string, inner?: Record<string, unknown>): string {
  return JSON.stringify(exceptionObject(type, message, stack, inner));
}

function exceptionObject(type: string, message: string, stack?: string, inner?: Record<string, unknown>): Record<string, unknown> {
  const assembly = type.startsWith('System.') ? 'System.Private.CoreLib' : type.split('.').slice(0, -1).join('.');
  return {
    $type: `${type}, ${assembly}`,
    ClassName: type,
    Message: message,
    Data: null,
    InnerException: inner ?? null,
    HelpURL: null,
    StackTraceString: stack ?? null,
    RemoteStackTraceString: null,
    RemoteStackIndex: 0,
    ExceptionMethod: null,
    HResult: -2146233088,
    Source: null,
    WatsonBuckets: null,
  };
}

/**
 * TaskFailed fields for an activity that threw, as the extension sends them to an out-of-process app:
 * the worker's error becomes an RpcException ("Result: Failure\nException: …\nStack: …"), the shim keeps
 * the part after "Exception:" as the friendly message, and reports
 * Reason "Activity function 'x' failed: <message>" with Details = the serialized exception; no FailureDetails.
 */
export function activityFailure(name: string, error: unknown): { Reason: string; Details: string } {
  const err = error instanceof Error ? error : new Error(String(error));
  const rpcMessage = `Result: Failure\nException: ${err.message}\nStack: ${err.stack ?? ''}`;
  const friendly = rpcMessage.slice(rpcMessage.indexOf('\nException:') + '\nException:'.length, rpcMessage.indexOf('\nStack:'));
  const rpc = exceptionObject('Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException', rpcMessage, err.stack);
  rpc.RemoteMessage = err.message;
  rpc.RemoteStackTrace = err.stack ?? null;
  rpc.IsUserException = false;
  return { Reason: `Activity function '${name}' failed: ${friendly}`, Details: dotnetException('System.Exception', friendly, undefined, rpc) };
}

export const eventTypeName = (type: number): string =>
  (Object.entries(EventType).find(([, value]) => value === type)?.[0] ?? `Unknown${type}`);
