// Sending one HTTP POST to a destination, the way Slack and SOAR webhooks want to be called: one lane
// per destination (messages queue and leave at most one per `minIntervalMs`), 429 honoured through
// Retry-After (the whole lane waits), 408/5xx/network errors retried with backoff, any other answer
// final. Everything happens within the push handler's deadline; when the next attempt cannot fit, a
// RetryableError hands the message back to Pub/Sub (503) instead of holding the request open.
import { setTimeout as sleep } from "node:timers/promises";
import { errorMessage, RetryableError } from "@riposte/service-kit";

export interface DeliveryTarget {
  /** The destination's name: lanes are per name, and messages name it (never the URL, a credential). */
  name: string;
  url: string;
  minIntervalMs: number;
}

export interface DeliveryRequest {
  /** JSON, sent byte for byte as given (webhook signatures cover it). */
  body: string;
  /** Headers computed at each attempt, e.g. a signature over the attempt's timestamp. */
  headersFor?: (nowMs: number) => Record<string, string>;
}

export type DeliveryResult =
  | { delivered: true; attempts: number; status: number }
  /** The destination refused for good (4xx other than 408/429, or a redirect): retrying cannot help. */
  | { delivered: false; attempts: number; status: number; reason: string };

export interface DeliveryLimits {
  /** Give up (503) when the next attempt could not start before this time (ms since the epoch). */
  deadlineAt: number;
  /** The push handler's signal: aborted when its deadline passes. */
  signal?: AbortSignal;
}

export interface DelivererOptions {
  maxAttempts: number;
  /** One HTTP attempt may take at most this long. */
  attemptTimeoutMs: number;
  backoff: { initialMs: number; maxMs: number };
  /** A Retry-After longer than this is capped, so that one answer cannot park a lane for hours. */
  maxRetryAfterMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  random?: () => number;
}

export const DEFAULT_DELIVERY_OPTIONS = {
  // With backoff 0.5, 1, 2 s the four attempts fit well inside the 25 s handler deadline.
  maxAttempts: 4,
  // Slack answers in well under a second; 10 s leaves room for a slow SOAR endpoint.
  attemptTimeoutMs: 10_000,
  backoff: { initialMs: 500, maxMs: 8_000 },
  // Slack's Retry-After is seconds to a minute; beyond that Pub/Sub's own backoff is the better wait.
  maxRetryAfterMs: 60_000,
} as const satisfies DelivererOptions;

/** Used when a 429 carries no (readable) Retry-After. */
const DEFAULT_RETRY_AFTER_MS = 1_000;
/** Most of a refusal's body kept in the reason. */
const MAX_REASON_BODY = 200;

interface Lane {
  /** The last queued send; each send starts when the previous one has finished. */
  tail: Promise<unknown>;
  /** No attempt leaves before this time (rate limit, Retry-After, backoff). */
  nextSendAt: number;
  /** Messages waiting for their turn. */
  waiting: number;
}

export interface Deliverer {
  deliver(target: DeliveryTarget, request: DeliveryRequest, limits: DeliveryLimits): Promise<DeliveryResult>;
}

export function createDeliverer(options: DelivererOptions): Deliverer {
  const doFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULT_DELIVERY_OPTIONS.maxRetryAfterMs;
  const lanes = new Map<string, Lane>();

  const laneOf = (name: string): Lane => {
    let lane = lanes.get(name);
    if (!lane) {
      lane = { tail: Promise.resolve(), nextSendAt: 0, waiting: 0 };
      lanes.set(name, lane);
    }
    return lane;
  };

  /** Waits until the lane allows a send, or fails at once when that is after the deadline. */
  const waitForTurn = async (target: DeliveryTarget, lane: Lane, limits: DeliveryLimits): Promise<void> => {
    const wait = lane.nextSendAt - now();
    if (wait <= 0) return;
    if (now() + wait > limits.deadlineAt) {
      throw new RetryableError(
        `destination ${target.name}: next send allowed in ${wait} ms, after this request's deadline`,
        { retryAfterSeconds: Math.ceil(wait / 1000) },
      );
    }
    try {
      await sleep(wait, undefined, limits.signal ? { signal: limits.signal } : {});
    } catch {
      throw new RetryableError(`destination ${target.name}: request deadline passed while waiting to send`);
    }
  };

  const backOff = (target: DeliveryTarget, lane: Lane, attempt: number): void => {
    const ceiling = Math.min(options.backoff.maxMs, options.backoff.initialMs * 2 ** (attempt - 1));
    // Equal jitter: at least half the delay, so retries from several instances spread out.
    const delay = ceiling / 2 + random() * (ceiling / 2);
    lane.nextSendAt = Math.max(lane.nextSendAt, now() + Math.max(delay, target.minIntervalMs));
  };

  const post = async (
    target: DeliveryTarget,
    request: DeliveryRequest,
    limits: DeliveryLimits,
  ): Promise<Response> => {
    const timeoutMs = Math.max(1, Math.min(options.attemptTimeoutMs, limits.deadlineAt - now()));
    const signals = [AbortSignal.timeout(timeoutMs), ...(limits.signal ? [limits.signal] : [])];
    return doFetch(target.url, {
      method: "POST",
      headers: {
        "content-type": "application/json; charset=utf-8",
        "user-agent": "riposte-notifier",
        ...request.headersFor?.(now()),
      },
      body: request.body,
      // A redirected POST would lose or resend the signed body: report it instead of following it.
      redirect: "manual",
      signal: AbortSignal.any(signals),
    });
  };

  const attemptAll = async (
    target: DeliveryTarget,
    request: DeliveryRequest,
    limits: DeliveryLimits,
    lane: Lane,
  ): Promise<DeliveryResult> => {
    let lastProblem = "no attempt made";
    let retryAfterMs: number | undefined;
    for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
      if (limits.signal?.aborted) {
        throw new RetryableError(`destination ${target.name}: request deadline passed before sending`);
      }
      await waitForTurn(target, lane, limits);
      lane.nextSendAt = now() + target.minIntervalMs;
      let response: Response;
      try {
        response = await post(target, request, limits);
      } catch (error) {
        if (limits.signal?.aborted) {
          throw new RetryableError(`destination ${target.name}: request deadline passed while sending`);
        }
        lastProblem = `network error: ${describeFetchError(error)}`;
        backOff(target, lane, attempt);
        continue;
      }
      const body = (await response.text().catch(() => "")).slice(0, MAX_REASON_BODY);
      if (response.ok) return { delivered: true, attempts: attempt, status: response.status };
      lastProblem = `HTTP ${response.status}${body ? ` ${body}` : ""}`;
      if (response.status === 429) {
        const asked = parseRetryAfter(response.headers.get("retry-after"), now()) ?? DEFAULT_RETRY_AFTER_MS;
        retryAfterMs = Math.min(asked, maxRetryAfterMs);
        lane.nextSendAt = Math.max(lane.nextSendAt, now() + retryAfterMs);
        continue;
      }
      if (response.status === 408 || response.status >= 500) {
        backOff(target, lane, attempt);
        continue;
      }
      return { delivered: false, attempts: attempt, status: response.status, reason: lastProblem };
    }
    throw new RetryableError(
      `destination ${target.name}: not delivered after ${options.maxAttempts} attempts (last: ${lastProblem})`,
      retryAfterMs === undefined ? {} : { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) },
    );
  };

  return {
    async deliver(target, request, limits) {
      const lane = laneOf(target.name);
      // Fail fast when the messages already queued cannot leave before this request's deadline.
      const start = Math.max(now(), lane.nextSendAt) + lane.waiting * target.minIntervalMs;
      if (start > limits.deadlineAt) {
        const why =
          lane.waiting > 0
            ? `${lane.waiting} message(s) queued ahead`
            : `next send allowed in ${lane.nextSendAt - now()} ms (rate limit, Retry-After or backoff)`;
        throw new RetryableError(
          `destination ${target.name}: ${why}; this one could not leave before the request's deadline`,
          { retryAfterSeconds: Math.ceil((start - now()) / 1000) },
        );
      }
      lane.waiting += 1;
      const run = lane.tail.then(() => {
        lane.waiting -= 1;
        return attemptAll(target, request, limits, lane);
      });
      lane.tail = run.catch(() => undefined);
      return run;
    },
  };
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^[0-9]+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** undici says "fetch failed" and puts the reason in `cause`; neither mentions the URL's path. */
function describeFetchError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
  if (error instanceof Error && error.name === "TimeoutError") return "timed out";
  return `${errorMessage(error)}${cause}`;
}
