// A scheduled call's route: Cloud Scheduler posts to it (every minute, with the push account's OIDC
// token, checked as the pushes are) and `riposte dev` posts to it locally on the same schedule. The
// one shell every service's scheduled calls share: authenticate, do the work due, answer its summary
// as JSON; work that could not be done now (a dependency out of reach) answers 503 and the next call
// tries again, since Cloud Scheduler does not redeliver like Pub/Sub.
import type { Hono } from "hono";
import { errorMessage, RetryableError } from "./errors.js";
import type { Logger } from "./log.js";
import type { PushAppOptions } from "./push.js";

export interface ScheduledRoute {
  path: `/scheduled/${string}`;
  /** Does the work due; its result is the answer's JSON. `logger` names the path. */
  run(logger: Logger): Promise<Record<string, unknown>>;
}

export interface ScheduledRouteOptions extends Pick<PushAppOptions, "authenticator" | "logger"> {
  /** Failures that are an outage, logged as warnings (RetryableError always is). */
  isTransient?: (error: unknown) => boolean;
}

export function addScheduledRoutes(
  app: Hono,
  routes: readonly ScheduledRoute[],
  options: ScheduledRouteOptions,
): void {
  const { authenticator, logger, isTransient } = options;
  for (const route of routes) {
    app.post(route.path, async (c) => {
      if (authenticator) {
        // A forged call could otherwise make the service act early (lift a quarantine, publish a held kill).
        const auth = await authenticator.authenticate(c.req.header("authorization"));
        if (!auth.ok) {
          logger.warn(
            { status: auth.status, reason: auth.reason, path: route.path },
            "scheduled call not authenticated",
          );
          return c.text(auth.reason, auth.status);
        }
      }
      try {
        return c.json(await route.run(logger.child({ scheduled: route.path })));
      } catch (error) {
        const transient = error instanceof RetryableError || (isTransient?.(error) ?? false);
        logger[transient ? "warn" : "error"](
          { err: errorMessage(error), path: route.path },
          `scheduled call ${route.path} failed: ${errorMessage(error)}`,
        );
        return c.text(errorMessage(error), 503);
      }
    });
  }
}
