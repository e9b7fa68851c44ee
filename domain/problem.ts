/** RFC 9457 problem details, the body of every API error. */
export interface FieldError {
  /** JSON pointer to the offending field, e.g. /recording/archiveWindow. */
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
}

const TYPE_BASE = 'https://broadcast-scheduler.example/problems/';

export const validationProblem = (errors: FieldError[], title = 'The request is not valid.'): Problem => ({
  type: `${TYPE_BASE}validation`,
  title,
  status: 400,
  detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
  errors,
});

export const notFoundProblem = (detail: string): Problem => ({ type: `${TYPE_BASE}not-found`, title: 'Not found.', status: 404, detail });

export const conflictProblem = (detail: string): Problem => ({ type: `${TYPE_BASE}conflict`, title: 'The broadcast is not in a state that allows this.', status: 409, detail });

/** 409 for a full account: who holds the slots and from when the quota would be exceeded, per account tried. */
export const capacityProblem = (detail: string, accounts: unknown[]): Problem & { accounts: unknown[] } => ({
  type: `${TYPE_BASE}capacity`,
  title: 'No live event slot is free for the whole window.',
  status: 409,
  detail,
  accounts,
});

export const unavailableProblem = (detail: string): Problem => ({ type: `${TYPE_BASE}unavailable`, title: 'A dependency is unavailable; retry later.', status: 503, detail });

export const unauthorizedProblem = (detail: string): Problem => ({ type: `${TYPE_BASE}unauthorized`, title: 'The request is not signed correctly.', status: 401, detail });

export const unauthenticatedProblem = (detail: string): Problem => ({ type: `${TYPE_BASE}unauthenticated`, title: 'Authentication is required.', status: 401, detail });

export const forbiddenProblem = (detail: string): Problem => ({ type: `${TYPE_BASE}forbidden`, title: 'The caller may not do this.', status: 403, detail });

export const tooLargeProblem = (limit: number): Problem => ({ type: `${TYPE_BASE}too-large`, title: 'The request body is too large.', status: 413, detail: `Bodies are limited to ${limit} bytes.` });

/** A failure of ours: nothing internal in it, only the id to find it in the logs (the invocation id). */
export const internalProblem = (correlationId: string): Problem & { correlationId: string } => ({
  type: `${TYPE_BASE}internal`,
  title: 'The request failed on our side; retry later or report the correlation id.',
  status: 500,
  instance: `urn:invocation:${correlationId}`,
  correlationId,
});
