// The one failure callers handle: the ledger could not be reached or did not answer in time. A caller
// guarding something destructive fails closed on it (503, so Pub/Sub redelivers later).

export class LedgerUnavailableError extends Error {
  override readonly name = "LedgerUnavailableError";
  /** The gRPC status code Firestore answered with, when it answered at all. */
  readonly code: number | undefined;

  constructor(message: string, options: { cause?: unknown; code?: number | undefined } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code;
  }
}

/** gRPC ALREADY_EXISTS: what `create()` of an existing document fails with. */
export const ALREADY_EXISTS = 6;

/** gRPC NOT_FOUND: what an update of a document that is gone fails with. */
export const NOT_FOUND = 5;

/** gRPC FAILED_PRECONDITION: what an update whose `lastUpdateTime` no longer matches fails with. */
export const FAILED_PRECONDITION = 9;

export function grpcCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/**
 * Runs one ledger operation against Firestore, bounded by `timeoutMs`. The client retries an
 * unreachable backend for a minute or more on its own; the caller must not wait that long. Any
 * failure of the call becomes LedgerUnavailableError. A call that times out may still land later —
 * every operation is written so that landing late is harmless (a claim or slot nobody acted on).
 */
export async function withinDeadline<T>(
  operation: string,
  timeoutMs: number,
  run: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const attempt = run();
  // Its failure after the deadline must not become an unhandled rejection.
  attempt.catch(() => undefined);
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new LedgerUnavailableError(`ledger: ${operation}: Firestore did not answer within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([attempt, deadline]);
  } catch (error) {
    if (error instanceof LedgerUnavailableError) throw error;
    const code = grpcCodeOf(error);
    throw new LedgerUnavailableError(`ledger: ${operation}: ${(error as Error).message ?? String(error)}`, {
      cause: error,
      code,
    });
  } finally {
    clearTimeout(timer);
  }
}
