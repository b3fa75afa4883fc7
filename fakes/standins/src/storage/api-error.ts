// Errors in the JSON API's shape: {"error":{"code","message","errors":[{"message","domain","reason"}]}}.
// The client copies `code`, `message` and `errors` into its ApiError, so tests see what production sees.

export type StorageErrorReason =
  | "notFound"
  | "conflict"
  | "conditionNotMet"
  | "invalid"
  | "required"
  | "badRequest"
  | "requestedRangeNotSatisfiable"
  | "notImplemented"
  | "backendError";

export interface StorageErrorBody {
  error: {
    code: number;
    message: string;
    errors: { message: string; domain: "global"; reason: string; locationType?: string; location?: string }[];
  };
}

export class StorageApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: StorageErrorReason | string,
    message: string,
    readonly location?: { locationType: string; location: string },
  ) {
    super(message);
  }

  get body(): StorageErrorBody {
    return {
      error: {
        code: this.status,
        message: this.message,
        errors: [{ message: this.message, domain: "global", reason: this.reason, ...this.location }],
      },
    };
  }
}

export const notFound = (what: string) => new StorageApiError(404, "notFound", `No such ${what}`);

/** The real API's words for a failed ifGenerationMatch / ifMetagenerationMatch. */
export function conditionNotMet(header: "If-Match" | "If-Metageneration-Match"): StorageApiError {
  return new StorageApiError(
    412,
    "conditionNotMet",
    "At least one of the pre-conditions you specified did not hold.",
    { locationType: "header", location: header },
  );
}

export const invalid = (message: string) => new StorageApiError(400, "invalid", message);
