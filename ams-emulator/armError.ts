/** An ARM error response: `{ error: { code, message } }` with its HTTP status. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  body(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export const notFound = (what: string) => new ArmError(404, 'ResourceNotFound', `The ${what} was not found.`);
export const badRequest = (message: string) => new ArmError(400, 'BadRequest', message);
export const invalidParameter = (message: string) => new ArmError(400, 'InvalidParameter', message);
export const conflict = (code: string, message: string) => new ArmError(409, code, message);
