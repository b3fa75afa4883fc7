// Typed errors that decide the push ack policy (README "Ack policy"): callers throw one of these
// and the push handler turns it into 204 + a recorded reason, or 503 so Pub/Sub redelivers.

/** Retrying cannot help (malformed input, refused by policy): ack and record why. */
export class PermanentError extends Error {
  override readonly name = "PermanentError";
  /** Where in the input the problem is, e.g. `$.message.data` or `$.target.pod`. */
  readonly path: string;
  readonly details: Record<string, unknown>;

  constructor(
    message: string,
    options: { path?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.path = options.path ?? "$";
    this.details = options.details ?? {};
  }
}

/** A dependency failed in a way that may pass (5xx, 429, timeout, publish failure): answer 503 so Pub/Sub retries. */
export class RetryableError extends Error {
  override readonly name = "RetryableError";
  /** The dependency's hint, e.g. HTTP Retry-After; informational (push retry timing is Pub/Sub's). */
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * The message came early: something it must follow (a playbook's `after`) has not happened yet. Not a
 * failure — answered 503 like any retryable error so Pub/Sub redelivers later, but logged at info as a
 * deferral, so a dashboard of warnings counts only what actually failed. (Its `name` stays
 * RetryableError's; test with instanceof.)
 */
export class DeferredError extends RetryableError {}

/**
 * Runs `call`; when it fails with `unavailable` (a dependency out of reach, e.g. the incident ledger),
 * the failure becomes a RetryableError — 503, so Pub/Sub redelivers once it is back: fail closed,
 * never a silent drop. Any other error passes through unchanged.
 */
export async function retryableOn<T>(
  unavailable: abstract new (...args: never[]) => Error,
  doing: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof unavailable)
      throw new RetryableError(`${doing}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Configuration is missing or invalid; lists every problem at once. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
