// The one implementation of the push ack policy (README "Ack policy", docs/architecture.md). A service supplies routes (path, decoder,
// handler); this module turns every outcome into the right HTTP answer:
//   done → 204 · permanent (bad envelope/payload, PermanentError) → 204 + quarantine record
//   transient (RetryableError, any other error, failure to record) → 503 · bad OIDC token → 401/403
// A handler past its deadline gets 503, unless it was committing its result (context.commit) then:
// the answer waits for that commit, so a result made known is acked instead of redelivered and repeated.
import { Hono } from "hono";
import type { MessageDecoder } from "./decode.js";
import { type DecodeFailure, type PushEnvelope, parsePushEnvelope } from "./envelope.js";
import { DeferredError, errorMessage, PermanentError, RetryableError } from "./errors.js";
import type { Logger } from "./log.js";
import type { PushAuthenticator } from "./oidc.js";
import type { Publisher } from "./publisher.js";
import { withTimeout } from "./timeout.js";
import {
  contextFromAttributes,
  hasRemoteParent,
  SpanKind,
  SpanStatusCode,
  withSpan,
  withTraceIdHint,
} from "./tracing/context.js";

export interface PushContext {
  messageId: string;
  attributes: Readonly<Record<string, string>>;
  publishTime: string | undefined;
  subscription: string | undefined;
  deliveryAttempt: number | undefined;
  /** A child logger carrying the message id (and later trace fields). */
  logger: Logger;
  /** Aborted when the handler deadline passes; pass it to outgoing calls. */
  signal: AbortSignal;
  /**
   * Runs `work` that makes the handler's result known (publishes its outcome). If the deadline passes
   * while it runs, the answer waits for it (up to `commitGraceMs`) and for the handler's end: a result
   * published is acked, not redelivered and published again. Refused (RetryableError) once the deadline
   * has passed: the redelivery will report instead.
   */
  commit<T>(work: () => Promise<T>): Promise<T>;
}

export interface PushRoute<M> {
  path: string;
  decode: MessageDecoder<M>;
  handle(message: M, context: PushContext): Promise<void>;
  /** For messages that start a trace (Falco alerts): the trace id to use, e.g. the incident key. */
  traceIdOf?: (message: M) => string | undefined;
}

/** Erases the message type so routes of different messages fit one list. */
export function pushRoute<M>(
  path: string,
  decode: MessageDecoder<M>,
  handle: (message: M, context: PushContext) => Promise<void>,
  options: { traceIdOf?: (message: M) => string | undefined } = {},
): PushRoute<unknown> {
  return { path, decode, handle, ...options } as PushRoute<unknown>;
}

export interface PushAppOptions {
  service: string;
  routes: readonly PushRoute<unknown>[];
  /** Where rejections are recorded (the quarantine topic). */
  publisher: Publisher;
  logger: Logger;
  authenticator?: PushAuthenticator;
  maxBodyBytes?: number;
  handlerTimeoutMs?: number;
  /** How long past the deadline a commit under way is waited for (see PushContext.commit). */
  commitGraceMs?: number;
  quarantineTopic?: string;
  /** Reports readiness; false while shutting down so /healthz tells the load balancer to stop. */
  isReady?: () => boolean;
  /**
   * Aborted when the grace after SIGTERM is over: every handler still running is cut off as at its
   * deadline (a commit under way is waited for) and answers 503, so Pub/Sub redelivers it.
   */
  stopping?: AbortSignal;
}

export const DEFAULT_PUSH_OPTIONS = {
  // Pub/Sub messages are at most 10 MB; the base64 envelope of the largest is bigger, and is recorded.
  maxBodyBytes: 10 * 1024 * 1024,
  // Under the default 30 s ack deadline: a slow dependency gets a 503 before Pub/Sub redelivers in parallel.
  handlerTimeoutMs: 25_000,
  // 25 s + 4 s still answers within the 30 s ack deadline. A publish is rarely slower (the publisher
  // gives up at 10 s); one that is gets 503 and may still land, so its result can come twice.
  commitGraceMs: 4_000,
  quarantineTopic: "quarantine",
} as const;

/** Quarantine records keep at most this much of the original bytes (Pub/Sub's own limit is 10 MB). */
const MAX_QUARANTINED_BYTES = 256 * 1024;

export interface Rejection {
  reason: DecodeFailure;
  envelope?: PushEnvelope;
  rawBody?: Uint8Array;
}

export function createPushApp(options: PushAppOptions): Hono {
  const push: PushSettings = {
    ...options,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_PUSH_OPTIONS.maxBodyBytes,
    handlerTimeoutMs: options.handlerTimeoutMs ?? DEFAULT_PUSH_OPTIONS.handlerTimeoutMs,
    commitGraceMs: options.commitGraceMs ?? DEFAULT_PUSH_OPTIONS.commitGraceMs,
    quarantineTopic: options.quarantineTopic ?? DEFAULT_PUSH_OPTIONS.quarantineTopic,
  };
  const app = new Hono();
  app.get("/healthz", (c) => ((options.isReady?.() ?? true) ? c.text("ok") : c.text("shutting down", 503)));
  for (const route of options.routes) {
    app.post(
      route.path,
      async (c, next) => {
        if (!options.authenticator) return next();
        const auth = await options.authenticator.authenticate(c.req.header("authorization"));
        if (auth.ok) return next();
        // Never acked: a forged push must not be able to consume or poison anything.
        push.logger.warn({ status: auth.status, reason: auth.reason }, "push request not authenticated");
        return c.text(auth.reason, auth.status);
      },
      (c) => receive(push, route, c.req.raw),
    );
  }
  return app;
}

/** The options with every default filled in. */
type PushSettings = PushAppOptions & Required<Pick<PushAppOptions, keyof typeof DEFAULT_PUSH_OPTIONS>>;

/** One authenticated push request: bounded body, envelope, then the route's message. */
async function receive(push: PushSettings, route: PushRoute<unknown>, request: Request): Promise<Response> {
  const { maxBodyBytes } = push;
  const { body, totalBytes } = await readBounded(request, maxBodyBytes);
  if (totalBytes > maxBodyBytes) {
    const reason = {
      path: "$",
      message: `push body of ${totalBytes} bytes exceeds the ${maxBodyBytes}-byte limit`,
    };
    return reject(push, { reason, rawBody: body });
  }
  const envelope = parsePushEnvelope(body);
  if (!envelope.ok) return reject(push, { reason: envelope.error, rawBody: body });
  return deliverInSpan(push, route, envelope.value);
}

/** Records a permanent rejection; answers 204 once it is stored, 503 if it could not be. */
async function reject(push: PushSettings, rejection: Rejection): Promise<Response> {
  const { logger, service, quarantineTopic } = push;
  const message = rejection.envelope?.message;
  const data = message?.data ?? rejection.rawBody ?? new Uint8Array();
  const truncated = data.byteLength > MAX_QUARANTINED_BYTES;
  const record = {
    v: 1,
    kind: "QuarantineRecord",
    service,
    reason: truncated
      ? {
          ...rejection.reason,
          message: `${rejection.reason.message} (${data.byteLength} bytes, first ${MAX_QUARANTINED_BYTES} kept)`,
        }
      : rejection.reason,
    ...(message ? { messageId: message.messageId } : {}),
    ...(rejection.envelope?.subscription ? { subscription: rejection.envelope.subscription } : {}),
    receivedAt: new Date().toISOString(),
    data: Buffer.from(data.subarray(0, MAX_QUARANTINED_BYTES)).toString("base64"),
    attributes: message?.attributes ?? {},
  };
  try {
    await push.publisher.publish(quarantineTopic, record, {
      v: "1",
      kind: "QuarantineRecord",
      service,
      ...(message ? { messageId: message.messageId } : {}),
    });
  } catch (error) {
    logger.error(
      { err: errorMessage(error), reason: rejection.reason },
      "could not record a rejected message; asking for redelivery",
    );
    return new Response("could not record rejection", { status: 503 });
  }
  logger.warn(
    { messageId: message?.messageId, reason: rejection.reason, quarantineTopic },
    `message rejected: ${rejection.reason.path}: ${rejection.reason.message}`,
  );
  return new Response(null, { status: 204 });
}

/** Decode and handle one message; the answer follows the ack policy. */
async function deliver(
  push: PushSettings,
  route: PushRoute<unknown>,
  envelope: PushEnvelope,
  decoded: unknown,
): Promise<Response> {
  const { message } = envelope;
  const messageLogger = push.logger.child({ messageId: message.messageId });
  let commits = 0;
  const contextFor = (signal: AbortSignal): PushContext => ({
    messageId: message.messageId,
    attributes: message.attributes,
    publishTime: message.publishTime,
    subscription: envelope.subscription,
    deliveryAttempt: envelope.deliveryAttempt,
    logger: messageLogger,
    signal,
    async commit(work) {
      if (signal.aborted)
        throw new RetryableError(`${errorMessage(signal.reason)}: its result is left to the redelivery`);
      commits += 1;
      try {
        return await work();
      } finally {
        commits -= 1;
      }
    },
  });
  try {
    // Past the deadline (or the shutdown grace) the handler's signal aborts; a commit under way gets
    // `commitGraceMs` more.
    await withTimeout((signal) => route.handle(decoded, contextFor(signal)), {
      what: "handler",
      timeoutMs: push.handlerTimeoutMs,
      ...(push.stopping ? { signal: push.stopping } : {}),
      grace: { ms: push.commitGraceMs, busy: () => commits > 0 },
    });
    return new Response(null, { status: 204 });
  } catch (error) {
    if (error instanceof PermanentError) {
      return reject(push, { reason: { path: error.path, message: error.message }, envelope });
    }
    if (error instanceof DeferredError) {
      messageLogger.info(
        { deferred: errorMessage(error) },
        `deferred, asking Pub/Sub to redeliver later: ${errorMessage(error)}`,
      );
    } else {
      const level = error instanceof RetryableError ? "warn" : "error";
      messageLogger[level](
        { err: errorMessage(error) },
        `transient failure, asking Pub/Sub to redeliver: ${errorMessage(error)}`,
      );
    }
    return new Response(errorMessage(error), { status: 503 });
  }
}

/** The message's own trace context is the parent (push requests carry no trace header); a message
 * without one (a Falco alert) starts the incident's trace here, with the id the route names. */
function deliverInSpan(
  push: PushSettings,
  route: PushRoute<unknown>,
  envelope: PushEnvelope,
): Promise<Response> {
  const { service } = push;
  const { message } = envelope;
  const decoded = route.decode(message.data, message.attributes);
  if (!decoded.ok) return reject(push, { reason: decoded.error, envelope });

  const name = `${service} ${route.path === "/" ? "process" : `process ${route.path}`}`;
  const attributes = {
    "messaging.system": "gcp_pubsub",
    "messaging.operation": "process",
    "messaging.message.id": message.messageId,
    ...(envelope.subscription ? { "messaging.destination.subscription.name": envelope.subscription } : {}),
    ...(message.attributes.incident ? { "riposte.incident": message.attributes.incident } : {}),
  };
  const parent = contextFromAttributes(message.attributes);
  const traceId = hasRemoteParent(parent) ? undefined : route.traceIdOf?.(decoded.value);
  return withTraceIdHint(traceId, () =>
    withSpan(name, { kind: SpanKind.CONSUMER, parent, attributes }, async (span) => {
      const response = await deliver(push, route, envelope, decoded.value);
      span.setAttribute("http.response.status_code", response.status);
      if (response.status >= 500)
        span.setStatus({ code: SpanStatusCode.ERROR, message: "redelivery requested" });
      return response;
    }),
  );
}

/**
 * Reads the whole body but keeps at most `maxBytes`. An oversized body is read to its end (and
 * dropped) before the answer, so the sender reads our 204 instead of a reset connection — which Pub/Sub
 * would count as a failed delivery and retry.
 */
async function readBounded(
  request: Request,
  maxBytes: number,
): Promise<{ body: Uint8Array; totalBytes: number }> {
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let totalBytes = 0;
  const reader = request.body?.getReader();
  if (!reader) return { body: new Uint8Array(), totalBytes: 0 };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    totalBytes += value.byteLength;
    if (kept < maxBytes) {
      const part = value.subarray(0, maxBytes - kept);
      chunks.push(part);
      kept += part.byteLength;
    }
  }
  return { body: Buffer.concat(chunks), totalBytes };
}
