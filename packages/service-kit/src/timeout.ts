// The one way Riposte gives up on slow work: the caller stops waiting *and* the work is told to stop
// (its AbortSignal aborts), so nothing keeps running unseen after the answer was given up on.
import { RetryableError } from "./errors.js";

/**
 * Work that ran past its time. Retryable: a redelivery may find the dependency faster. (Its `name`
 * stays RetryableError's, which the ack policy and the logs already know; test with instanceof.)
 */
export class TimeoutError extends RetryableError {
  /** What timed out, e.g. `publish to commands`. */
  readonly what: string;
  readonly timeoutMs: number;

  constructor(what: string, timeoutMs: number, detail = "") {
    super(`${what} timed out after ${timeoutMs} ms${detail}`);
    this.what = what;
    this.timeoutMs = timeoutMs;
  }
}

export interface TimeoutOptions {
  /** Names the work in the TimeoutError, e.g. `publish to commands`. */
  what: string;
  timeoutMs: number;
  /**
   * An outer deadline (the push request's, the end of the shutdown grace): its abort aborts the work too
   * and rejects with its reason (after the grace below, like the time running out).
   */
  signal?: AbortSignal;
  /**
   * For work that must not be cut off halfway (a result being committed): if `busy()` when the time is
   * up or the outer signal aborts, the rejection waits up to `ms` more for the work to end. Its signal
   * is aborted on time all the same.
   */
  grace?: { ms: number; busy: () => boolean };
}

/**
 * Runs `work` with a signal that aborts after `timeoutMs` (or with `options.signal`), and rejects at
 * that moment with a TimeoutError (or the outer signal's reason). The work's own result or rejection
 * passes through unchanged; every timer and listener is removed when it settles.
 */
export async function withTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  options: TimeoutOptions,
): Promise<T> {
  const { what, timeoutMs, signal: outer, grace } = options;
  const controller = new AbortController();
  let giveUp: (reason: unknown) => void = () => {};
  const gaveUp = new Promise<never>((_, reject) => {
    giveUp = reject;
  });
  // Handled here too: when the work throws before the race starts, nobody else awaits gaveUp.
  gaveUp.catch(() => {});
  let graceTimer: NodeJS.Timeout | undefined;
  /** Aborts the work; gives up now, or after the grace if a commit is under way. */
  const stop = (reason: unknown, lateReason: () => unknown) => {
    if (controller.signal.aborted) return;
    controller.abort(reason);
    if (!grace?.busy()) return giveUp(reason);
    graceTimer = setTimeout(() => giveUp(lateReason()), grace.ms);
  };
  const underWay = `; its work under way still not done ${grace?.ms} ms later`;
  const timer = setTimeout(
    () => stop(new TimeoutError(what, timeoutMs), () => new TimeoutError(what, timeoutMs, underWay)),
    timeoutMs,
  );
  const onOuterAbort = () => stop(outer?.reason, () => outer?.reason);
  if (outer?.aborted) onOuterAbort();
  else outer?.addEventListener("abort", onOuterAbort, { once: true });
  try {
    // gaveUp first: an outer signal aborted before the start wins over work that settles at once.
    return await Promise.race([gaveUp, work(controller.signal)]);
  } finally {
    clearTimeout(timer);
    clearTimeout(graceTimer);
    outer?.removeEventListener("abort", onOuterAbort);
  }
}
