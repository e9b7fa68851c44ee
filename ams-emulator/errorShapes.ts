/**
 * How the emulator refuses an invalid transition or a second operation on a busy live event. Real AMS's
 * answers to both are not published (shared/ams-api-notes.md §3, §9), so each plausible shape can be
 * chosen, and the product must cope with all of them.
 */
import { ArmError } from './armError.js';

/** A refused transition: the live event's state does not allow the action. */
export type WrongStateShape =
  | 'badRequest' // 400 BadRequest "Cannot start the live event 'x' in state 'Running'."
  | 'invalidOperation' // 400 InvalidOperation, other wording
  | 'conflict'; // 409 Conflict, other wording

/** A second long-running operation while one runs on the live event (or one of its outputs). */
export type BusyShape =
  | 'operationInProgress' // 409 OperationInProgress
  | 'badRequestCode' // 400 with an operation-in-progress code
  | 'conflict' // 409 Conflict, generic wording
  | 'accepted'; // accepted (202 + LRO) and queued; the event reads provisioningState InProgress meanwhile

export interface ErrorShapes {
  wrongState: WrongStateShape;
  busy: BusyShape;
}

export const defaultErrorShapes: ErrorShapes = { wrongState: 'badRequest', busy: 'operationInProgress' };
export const wrongStateShapes: readonly WrongStateShape[] = ['badRequest', 'invalidOperation', 'conflict'];
export const busyShapes: readonly BusyShape[] = ['operationInProgress', 'badRequestCode', 'conflict', 'accepted'];

export function parseErrorShapes(value: unknown, base: ErrorShapes = defaultErrorShapes): ErrorShapes {
  const v = (value ?? {}) as Partial<ErrorShapes>;
  const wrongState = v.wrongState ?? base.wrongState;
  const busy = v.busy ?? base.busy;
  if (!wrongStateShapes.includes(wrongState)) throw new Error(`wrongState must be one of ${wrongStateShapes.join(', ')}`);
  if (!busyShapes.includes(busy)) throw new Error(`busy must be one of ${busyShapes.join(', ')}`);
  return { wrongState, busy };
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** `subject` names the resource, e.g. "live event 'x'"; `state` is its resourceState. */
export function wrongStateError(shape: WrongStateShape, action: string, subject: string, state: string): ArmError {
  switch (shape) {
    case 'badRequest':
      return new ArmError(400, 'BadRequest', `Cannot ${action} the ${subject} in state '${state}'.`);
    case 'invalidOperation':
      return new ArmError(400, 'InvalidOperation', `${capitalized(action)} is not a valid operation for the ${subject} at this time (current status: ${state}).`);
    case 'conflict':
      return new ArmError(409, 'Conflict', `The ${subject} is ${state}; the requested ${action} conflicts with it.`);
  }
}

/** The refusal for a busy resource; undefined for the `accepted` shape (the caller queues instead). */
export function busyError(shape: BusyShape, subject: string, running: string): ArmError | undefined {
  switch (shape) {
    case 'operationInProgress':
      return new ArmError(409, 'OperationInProgress', `The ${subject} has an operation in progress (${running}); only one long-running operation is allowed at a time.`);
    case 'badRequestCode':
      return new ArmError(400, 'AnotherOperationInProgress', `Another operation is being performed on the ${subject}. Retry after it completes.`);
    case 'conflict':
      return new ArmError(409, 'Conflict', 'The request could not be completed due to a conflict with the current state of the target resource.');
    case 'accepted':
      return undefined;
  }
}
