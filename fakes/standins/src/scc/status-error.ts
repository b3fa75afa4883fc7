// The one error type the SCC stand-in's logic throws: a gRPC status code plus the details string
// the client will see (as `"<code> <NAME>: <details>"` in its error message).

import { status } from "@grpc/grpc-js";

export class SccStatusError extends Error {
  override readonly name = "SccStatusError";
  constructor(
    readonly code: status,
    readonly details: string,
  ) {
    super(`${code} ${status[code]}: ${details}`);
  }
}

export const invalidArgument = (details: string) => new SccStatusError(status.INVALID_ARGUMENT, details);
export const notFound = (details: string) => new SccStatusError(status.NOT_FOUND, details);
export const alreadyExists = (details: string) => new SccStatusError(status.ALREADY_EXISTS, details);
