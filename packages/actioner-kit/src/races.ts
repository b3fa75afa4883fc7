// Optimistic concurrency: a write guarded by what was read (resourceVersion, a JSON-patch `test`)
// fails when another writer changed the object in between. That is a race, not an error: read again
// and decide again; if the object keeps changing, let Pub/Sub redeliver (503) rather than give up.
import { RetryableError } from "@riposte/service-kit";

/** What an attempt returns when its guarded write lost the race: read again and retry. */
export const RACE_LOST: unique symbol = Symbol("race lost");

/** Attempts per delivery; each one re-reads, so this many other writes in a row are tolerated. */
export const RACE_ATTEMPTS = 4;

/**
 * Runs `attempt` (read, decide, guarded write) until it does not lose a race. After `attempts` lost
 * races throws a RetryableError naming `what`, so the runner answers 503 and the delivery comes back.
 */
export async function retryLostRaces<T>(
  what: string,
  attempt: (attemptNumber: number) => Promise<T | typeof RACE_LOST>,
  attempts = RACE_ATTEMPTS,
): Promise<T> {
  for (let attemptNumber = 1; attemptNumber <= attempts; attemptNumber += 1) {
    const result = await attempt(attemptNumber);
    if (result !== RACE_LOST) return result;
  }
  throw new RetryableError(
    `${what}: the object changed between read and write ${attempts} times in a row (409 Conflict); retrying later`,
  );
}
