// The notifier's scheduled call: Cloud Scheduler (every minute, `* * * * *`, with an OIDC token of the
// same service account the push subscriptions use) posts to /scheduled/close-windows; `riposte dev`
// posts to it locally on the same schedule. It closes the storm windows whose time is up — whichever
// instance opened them, also one that is gone — and sends the summaries waiting in the ledger. The
// route's shell (authentication, 503 when the ledger is out of reach) is service-kit's.
import { addScheduledRoutes as addKitScheduledRoutes, type PushAppOptions } from "@riposte/service-kit";
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
  addKitScheduledRoutes(app, [{ path: CLOSE_WINDOWS_PATH, run: closeWindows }], push);
  async function closeWindows(logger: PushAppOptions["logger"]) {
    const result = await notifier.closeWindows();
    if (result.closed > 0 || result.sent > 0) {
      logger.info(result, `storm windows closed: ${result.closed}, summaries sent: ${result.sent}`);
    }
    return result;
  }
}
