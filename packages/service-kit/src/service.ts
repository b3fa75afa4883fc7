// startService: the only thing a service's main.ts calls. Reads config, builds the shared clients,
// listens on PORT and shuts down gracefully on SIGTERM (Cloud Run gives 10 s).
import type { AddressInfo } from "node:net";
import { PubSub } from "@google-cloud/pubsub";
import { type ServerType, serve } from "@hono/node-server";
import type { Hono } from "hono";
import { z } from "zod";
import { type Env, envList, envPort, loadConfig } from "./config.js";
import type { ServiceDescriptor } from "./descriptor.js";
import { ConfigError, errorMessage, RetryableError } from "./errors.js";
import { createLogger, type Logger } from "./log.js";
import { createOidcAuthenticator, type PushAuthenticator } from "./oidc.js";
import { createPubSubPublisher, type Publisher } from "./publisher.js";
import { DEFAULT_PUSH_OPTIONS } from "./push.js";
import { tracingHandle } from "./tracing/handle.js";

/** Variables every service understands, in addition to its descriptor's own. */
export const commonEnvSchema = z.object({
  PORT: envPort.default(8080).describe("port to listen on (Cloud Run sets it)"),
  GOOGLE_CLOUD_PROJECT: z
    .string()
    .min(1)
    .default("riposte-local")
    .describe("project of the topics, and of log trace fields"),
  LOG_LEVEL: z
    .enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"])
    .default("info")
    .describe("log threshold"),
  PUSH_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_PUSH_OPTIONS.maxBodyBytes)
    .describe("larger push bodies are acked and quarantined"),
  PUSH_HANDLER_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_PUSH_OPTIONS.handlerTimeoutMs)
    .describe("a handler still running after this answers 503 (below the ack deadline)"),
  PUSH_AUTH_AUDIENCE: z
    .string()
    .url()
    .optional()
    .describe("Setting an audience turns on OIDC verification of push requests."),
  PUSH_AUTH_ALLOWED_EMAILS: envList
    .optional()
    .describe("comma-separated service accounts allowed to push (with PUSH_AUTH_AUDIENCE)"),
  PUSH_AUTH_JWKS_URL: z
    .string()
    .url()
    .optional()
    .describe("keys to verify push tokens with (default: Google's)"),
  SHUTDOWN_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    // At most 8 s: of Cloud Run's 10 s, 1.5 s stay for a result being published at the grace's end.
    .max(8_000)
    .default(8_000)
    .describe("Time given to in-flight requests after SIGTERM (at most 8000); Cloud Run kills at 10 s."),
});

export type CommonConfig = z.output<typeof commonEnvSchema>;

/** What startService hands to a service's createApp: everything shared, built once. */
export interface ServiceKit<Config> {
  config: Config & CommonConfig;
  logger: Logger;
  publisher: Publisher;
  /** The options every push app takes from the kit; spread them into createPushApp. */
  push: {
    service: string;
    publisher: Publisher;
    logger: Logger;
    authenticator?: PushAuthenticator;
    maxBodyBytes: number;
    handlerTimeoutMs: number;
    isReady: () => boolean;
    /** Aborted when the shutdown grace is over (PushAppOptions.stopping). */
    stopping: AbortSignal;
  };
  /** Registers work to do on shutdown after in-flight requests finish (flush caches, close clients). */
  onShutdown(hook: () => Promise<void>): void;
}

export interface RunningService {
  port: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: Env;
  /** Exit the process after a signal-triggered shutdown (default true; tests pass false). */
  exitOnSignal?: boolean;
  /** Print the problem and exit 1 when config or createApp fails (default true; tests pass false). */
  exitOnStartupError?: boolean;
}

export async function startService<E extends z.ZodObject>(
  descriptor: ServiceDescriptor<E>,
  createApp: (kit: ServiceKit<z.output<E>>) => Hono | Promise<Hono>,
  options: StartOptions = {},
): Promise<RunningService> {
  try {
    return await start(descriptor, createApp, options);
  } catch (error) {
    if (options.exitOnStartupError === false) throw error;
    // A bad config or playbook must stop the service with a message an operator can act on, not a stack.
    process.stderr.write(`${descriptor.name} cannot start: ${errorMessage(error)}\n`);
    process.exit(1);
  }
}

async function start<E extends z.ZodObject>(
  descriptor: ServiceDescriptor<E>,
  createApp: (kit: ServiceKit<z.output<E>>) => Hono | Promise<Hono>,
  options: StartOptions,
): Promise<RunningService> {
  const config = loadConfig(commonEnvSchema.extend(descriptor.env.shape), options.env) as z.output<E> &
    CommonConfig;
  const logger = createLogger({
    service: descriptor.name,
    level: config.LOG_LEVEL,
    projectId: config.GOOGLE_CLOUD_PROJECT,
  });
  const publisher = createPubSubPublisher({ pubsub: new PubSub({ projectId: config.GOOGLE_CLOUD_PROJECT }) });
  if (config.PUSH_AUTH_AUDIENCE && (config.PUSH_AUTH_ALLOWED_EMAILS ?? []).length === 0) {
    // Otherwise every push would be refused with 403 and dead-lettered, silently.
    throw new ConfigError([
      "PUSH_AUTH_ALLOWED_EMAILS: required when PUSH_AUTH_AUDIENCE is set (the push service account's email)",
    ]);
  }
  if (!config.PUSH_AUTH_AUDIENCE && (config.PUSH_AUTH_ALLOWED_EMAILS ?? []).length > 0) {
    // Verification is on only with an audience: without one, pushes would be accepted from anyone
    // while the operator believes only these accounts may push.
    throw new ConfigError([
      "PUSH_AUTH_AUDIENCE: required when PUSH_AUTH_ALLOWED_EMAILS is set (the push subscription's audience, usually the service URL); without it push requests are not authenticated at all",
    ]);
  }
  const authenticator = config.PUSH_AUTH_AUDIENCE
    ? createOidcAuthenticator({
        audience: config.PUSH_AUTH_AUDIENCE,
        allowedEmails: config.PUSH_AUTH_ALLOWED_EMAILS ?? [],
        ...(config.PUSH_AUTH_JWKS_URL ? { jwksUrl: config.PUSH_AUTH_JWKS_URL } : {}),
      })
    : undefined;
  let ready = true;
  // Aborted when the shutdown grace is over: handlers still running answer 503 (see closeGracefully).
  const graceOver = new AbortController();
  const shutdownHooks: (() => Promise<void>)[] = [];

  const kit: ServiceKit<z.output<E>> = {
    config,
    logger,
    publisher,
    push: {
      service: descriptor.name,
      publisher,
      logger,
      ...(authenticator ? { authenticator } : {}),
      maxBodyBytes: config.PUSH_MAX_BODY_BYTES,
      handlerTimeoutMs: config.PUSH_HANDLER_TIMEOUT_MS,
      isReady: () => ready,
      stopping: graceOver.signal,
    },
    onShutdown: (hook) => shutdownHooks.push(hook),
  };
  const app = await createApp(kit);

  const server = await listen(app, config.PORT);
  const port = (server.address() as AddressInfo).port;
  logger.info(
    { port, inputs: descriptor.inputs.map((input) => input.path), oidc: Boolean(authenticator) },
    `${descriptor.name} listening on ${port}`,
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      ready = false;
      const began = Date.now();
      await closeGracefully(server, config.SHUTDOWN_GRACE_MS, () =>
        graceOver.abort(new RetryableError("shutting down: the grace period after SIGTERM is over")),
      );
      // Whatever hangs after the server closed (a hook, the publisher, the trace export) is left behind
      // by then, so the process still exits, and says so, before Cloud Run's kill: 9 s after SIGTERM,
      // or later when the close used its whole settle (it ends by 9.5 s), still within the 10 s.
      const finishBy = Math.max(
        began + CLOUD_RUN_KILL_AFTER_MS - EXIT_MARGIN_MS,
        Date.now() + AFTER_CLOSE_MS - LAST_LINE_MS,
      );
      const step = (what: string, work: () => Promise<unknown> | undefined) =>
        finishWithin(work, finishBy).then(
          (finished) => {
            if (!finished) logger.error(`${what} did not finish before Cloud Run's kill: left behind`);
          },
          (error: unknown) => logger.error({ err: errorMessage(error) }, `${what} failed`),
        );
      for (const hook of [...shutdownHooks].reverse()) await step("shutdown hook", hook);
      await step("publisher close", () => publisher.close());
      // Spans of the last requests go out before the process ends (Cloud Run allows 10 s after SIGTERM).
      await step("trace flush", () => tracingHandle()?.shutdown());
      logger.info(`${descriptor.name} stopped`);
    })();
    return stopping;
  };

  // `on`, not `once`: a second signal while stopping must not fall back to Node's default (exit now),
  // which would cut the requests the grace is finishing. stop() runs once however often it is asked.
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, `${signal} received: finishing in-flight requests`);
    void stop().then(() => {
      if (options.exitOnSignal ?? true) process.exit(0);
    });
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  return {
    port,
    stop: async () => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      await stop();
    },
  };
}

function listen(app: Hono, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: "0.0.0.0" }, () => resolve(server));
    server.once("error", reject);
  });
}

/** Cloud Run's SIGKILL comes this long after SIGTERM. */
const CLOUD_RUN_KILL_AFTER_MS = 10_000;
/** Of those 10 s, kept for the shutdown hooks, the publisher's flush and the spans' export. */
const AFTER_CLOSE_MS = 500;
/** Of those 10 s, not used by the steps after a close that ended early: a margin for the exit. */
const EXIT_MARGIN_MS = 1_000;
/** The last log line and the exit, after the steps of a close that used its whole settle. */
const LAST_LINE_MS = 100;

/** Whether `work` settled by `deadline` (ms since the epoch); its rejection passes through. */
async function finishWithin(work: () => Promise<unknown> | undefined, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([Promise.resolve(work()).then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stops accepting, lets in-flight requests finish, then closes. `server.close` alone waits for
 * keep-alive sockets to time out (~5 s), so idle sockets are reaped as requests complete. After
 * `graceMs`, `onGraceOver` cuts the handlers still running: they answer 503 (Pub/Sub redelivers), or,
 * committing a result, answer once it is committed. A connection still open when Cloud Run's kill
 * nears (at the latest `graceMs` + DEFAULT_PUSH_OPTIONS.commitGraceMs) is cut.
 */
export function closeGracefully(
  server: ServerType,
  graceMs: number,
  onGraceOver: () => void = () => {},
): Promise<void> {
  return new Promise((resolve) => {
    const httpServer = server as import("node:http").Server;
    const reaper = setInterval(() => httpServer.closeIdleConnections(), 50);
    const settleMs = Math.max(
      0,
      Math.min(DEFAULT_PUSH_OPTIONS.commitGraceMs, CLOUD_RUN_KILL_AFTER_MS - AFTER_CLOSE_MS - graceMs),
    );
    let hardStop: NodeJS.Timeout | undefined;
    const graceEnd = setTimeout(() => {
      onGraceOver();
      hardStop = setTimeout(() => httpServer.closeAllConnections(), settleMs);
    }, graceMs);
    httpServer.close(() => {
      clearInterval(reaper);
      clearTimeout(graceEnd);
      clearTimeout(hardStop);
      resolve();
    });
    httpServer.closeIdleConnections();
  });
}
