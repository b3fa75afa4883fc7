// The one choice the console's wiring makes about who is asking: IAP's assertion, or (none-local, off
// Cloud Run) the OS user. A combination that cannot be safe stops the console at start-up.
import type { MiddlewareHandler } from "hono";
import { assertConsoleAuthConfig, type ConsoleAuthConfig } from "./config.js";
import { createJwks } from "./jwks.js";
import { type ConsoleAuthEnv, iapAuth, localAuth } from "./middleware.js";

export interface ConsoleAuthenticationDeps {
  /** Clock in ms (assertions' exp/iat, the key cache). Default Date.now. */
  now?: () => number;
  /** For the key set. Default the global fetch. */
  fetch?: typeof fetch;
  /** Longest wait for IAP's keys before 503. Default 3 s. */
  jwksTimeoutMs?: number;
  logger?: { warn(fields: Record<string, unknown>, message: string): void };
  /** none-local's user name. Default the OS user. */
  osUser?: string;
}

/** The middleware for `app.use(…)`, before every route; throws ConfigError on an unsafe configuration. */
export function consoleAuthentication(
  config: ConsoleAuthConfig,
  deps: ConsoleAuthenticationDeps = {},
): MiddlewareHandler<ConsoleAuthEnv> {
  assertConsoleAuthConfig(config);
  if (config.CONSOLE_AUTHENTICATION === "none-local")
    return localAuth(deps.osUser === undefined ? {} : { user: deps.osUser });
  const jwks = createJwks({
    url: config.IAP_JWKS_URL,
    ...(deps.now && { now: deps.now }),
    ...(deps.fetch && { fetch: deps.fetch }),
    ...(deps.jwksTimeoutMs !== undefined && { timeoutMs: deps.jwksTimeoutMs }),
  });
  return iapAuth({
    audience: config.IAP_AUDIENCE as string,
    jwks,
    ...(deps.now && { now: deps.now }),
    ...(deps.logger && { logger: deps.logger }),
  });
}
