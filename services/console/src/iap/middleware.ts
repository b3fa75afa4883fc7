// Who is asking, as hono middleware: `iapAuth` verifies IAP's assertion and sets the actor `user:EMAIL`
// (401 with the reason when it is missing or invalid, 503 when IAP's keys cannot be had); `localAuth`
// (none-local) sets `local:<OS user>` and answers only requests addressed to this machine. Slack's and
// Cloud Scheduler's paths are not behind either: they authenticate themselves (signature, OIDC).
import { userInfo } from "node:os";
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { type Jwks, JwksUnavailableError } from "./jwks.js";
import { IapAssertionError, verifyIapAssertion } from "./verify.js";

export const IAP_ASSERTION_HEADER = "x-goog-iap-jwt-assertion";

/** Who acts on the console's pages. `local` is the "local, no authentication" banner's flag. */
export type ConsoleActor =
  | { kind: "iap"; identity: `user:${string}`; email: string; local: false }
  | { kind: "local"; identity: `local:${string}`; local: true };

/** The hono env of apps and routes that read the actor. */
export interface ConsoleAuthEnv {
  Variables: { actor: ConsoleActor };
}

/** Paths outside IAP: Slack's interactivity (signed by Slack), the scheduled calls (OIDC), /healthz. */
export function authenticatesItself(method: string, path: string): boolean {
  if (path.startsWith("/slack/") || path.startsWith("/scheduled/")) return true;
  // Says "ok" or "shutting down" and nothing else; `riposte dev` and probes wait on it.
  return method === "GET" && path === "/healthz";
}

function refuse(c: Context, status: 401 | 403 | 503, reason: string): Response {
  c.header("cache-control", "no-store");
  c.header("x-content-type-options", "nosniff");
  if (status === 503) c.header("retry-after", "5");
  return c.text(reason, status);
}

export interface IapAuthOptions {
  /** IAP_AUDIENCE. */
  audience: string;
  jwks: Jwks;
  /** Clock in ms. Default Date.now. */
  now?: () => number;
  logger?: { warn(fields: Record<string, unknown>, message: string): void };
}

export function iapAuth(options: IapAuthOptions): MiddlewareHandler<ConsoleAuthEnv> {
  const now = options.now ?? Date.now;
  return createMiddleware<ConsoleAuthEnv>(async (c, next) => {
    if (authenticatesItself(c.req.method, c.req.path)) return next();
    try {
      const user = await verifyIapAssertion(c.req.header(IAP_ASSERTION_HEADER), {
        audience: options.audience,
        keyFor: (kid) => options.jwks.keyFor(kid),
        now: now(),
      });
      c.set("actor", { kind: "iap", identity: user.identity, email: user.email, local: false });
    } catch (error) {
      if (error instanceof IapAssertionError) {
        options.logger?.warn({ reason: error.message, path: c.req.path }, "console: request refused (IAP)");
        return refuse(c, 401, `Not authenticated: ${error.message}.`);
      }
      if (error instanceof JwksUnavailableError) {
        options.logger?.warn({ reason: error.message }, "console: IAP's keys cannot be had");
        return refuse(c, 503, `Cannot check who you are right now (${error.message}); try again shortly.`);
      }
      throw error;
    }
    return next();
  });
}

/** The OS user as a DeciderIdentity's local:NAME allows it, or "unknown". */
export function osUserName(): string {
  try {
    const { username } = userInfo();
    return /^[A-Za-z0-9._@+-]{1,64}$/.test(username) ? username : "unknown";
  } catch {
    return "unknown";
  }
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

function isLoopbackAddress(address: string): boolean {
  return address === "::1" || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/** The peer's address under @hono/node-server (its env holds the Node request); undefined elsewhere. */
function peerAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}

export function localAuth(options: { user?: string } = {}): MiddlewareHandler<ConsoleAuthEnv> {
  const actor: ConsoleActor = {
    kind: "local",
    identity: `local:${options.user ?? osUserName()}`,
    local: true,
  };
  return createMiddleware<ConsoleAuthEnv>(async (c, next) => {
    if (authenticatesItself(c.req.method, c.req.path)) return next();
    // The port listens on every interface, and a web page can rebind its own name to 127.0.0.1: without
    // authentication only this machine, under its own name, may act.
    const peer = peerAddress(c);
    if (peer !== undefined && !isLoopbackAddress(peer))
      return refuse(c, 403, "This console runs without authentication and answers only this machine.");
    if (!LOCAL_HOSTS.has(new URL(c.req.url).hostname))
      return refuse(c, 403, "This console runs without authentication: open it as localhost or 127.0.0.1.");
    c.set("actor", actor);
    return next();
  });
}

/**
 * The actor of a request; pages and forms call it. Throws when no authentication middleware ran for
 * this path, so a route mounted outside it can never act as nobody.
 */
export function actorOf(c: Context): ConsoleActor {
  const actor = c.get("actor") as ConsoleActor | undefined;
  if (!actor)
    throw new Error(`console: no authenticated actor for ${c.req.path} (is consoleAuthentication mounted?)`);
  return actor;
}
