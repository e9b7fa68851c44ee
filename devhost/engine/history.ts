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

/** FailureDetails as the library reads them, from whatever an activity or orchestrator threw. */
export function failureDetails(error: unknown): Record<string, unknown> {
  const err = error instanceof Error ? error : new Error(String(error));
  return { ErrorType: err.name || 'Error', ErrorMessage: err.message, StackTrace: err.stack, IsNonRetriable: false };
}

export const eventTypeName = (type: number): string =>
  (Object.entries(EventType).find(([, value]) => value === type)?.[0] ?? `Unknown${type}`);
