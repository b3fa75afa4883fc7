// The notifier's scheduled call: Cloud Scheduler (every minute, `* * * * *`, with an OIDC token of the
// same service account the push subscriptions use) posts to /scheduled/close-windows; `riposte dev`
// posts to it locally on the same schedule. It closes the storm windows whose time is up — whichever
// instance opened them, also one that is gone — and sends the summaries waiting in the ledger.
import { errorMessage, type PushAppOptions, RetryableError } from "@riposte/service-kit";
import type { Hono } from "hono";
import type { Notifier } from "./notifier.js";

export const CLOSE_WINDOWS_PATH = "/scheduled/close-windows";
/** How often Cloud Scheduler (and `riposte dev`) calls it: a summary is at most this late. */
export const CLOSE_WINDOWS_SCHEDULE = { cron: "* * * * *", everySeconds: 60 } as const;

export function addScheduledRoutes(
  app: Hono,
  notifier: Notifier,
  push: Pick<PushAppOptions, "authenticator" | "logger">,
): void {
  const { authenticator, logger } = push;
  app.post(CLOSE_WINDOWS_PATH, async (c) => {
    if (authenticator) {
      // The same OIDC check as the push endpoints: a forged call could otherwise flush windows early.
      const auth = await authenticator.authenticate(c.req.header("authorization"));
      if (!auth.ok) {
        logger.warn({ status: auth.status, reason: auth.reason }, "scheduled call not authenticated");
        return c.text(auth.reason, auth.status);
      }
    }
    try {
      const result = await notifier.closeWindows();
      if (result.closed > 0 || result.sent > 0) {
        logger.info(result, `storm windows closed: ${result.closed}, summaries sent: ${result.sent}`);
      }
      return c.json(result);
    } catch (error) {
      // The ledger is out of reach: Cloud Scheduler retries at the next minute.
      const level = error instanceof RetryableError ? "warn" : "error";
      logger[level]({ err: errorMessage(error) }, `closing storm windows failed: ${errorMessage(error)}`);
      return c.text(errorMessage(error), 503);
    }
  });
}
