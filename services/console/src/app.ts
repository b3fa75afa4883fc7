// createApp: the console's HTTP surface. No Pub/Sub push route (it reads no topic): /healthz, the
// scheduled call applying deadlines and finishing publishes (/scheduled/approvals), then the routes
// of its other parts, each added by a function in the order given — Slack's interactions, the IAP
// check and the pages. A middleware (IAP) guards only what is added after it, so it comes first.
import { LedgerUnavailableError } from "@riposte/ledger";
import { addScheduledRoutes, createPushApp, type PushAppOptions } from "@riposte/service-kit";
import type { Hono } from "hono";
import type { ApprovalDeps } from "./approvals/deps.js";
import { runDueApprovals } from "./approvals/due.js";
import { APPROVALS_PATH } from "./scheduled.js";

/** Adds a part's routes (or middleware) to the app; `deps` is the console's, shared by every part. */
export type ConsoleRoutes = (app: Hono, deps: ConsoleDeps) => void;

export interface ConsoleDeps {
  push: Omit<PushAppOptions, "routes">;
  /** What decide() and the scheduled call use; the other parts decide through decide(deps.approvals, …). */
  approvals: ApprovalDeps;
  /** The other parts' routes, added after the scheduled call, in this order. */
  routes?: readonly ConsoleRoutes[];
}

export function createApp(deps: ConsoleDeps): Hono {
  const app = createPushApp({ ...deps.push, routes: [] });
  // Deadlines applied, claimed publishes finished; the answer is the summary (503: the next call retries).
  const due = async () => ({ ...(await runDueApprovals(deps.approvals)) });
  addScheduledRoutes(app, [{ path: APPROVALS_PATH, run: due }], {
    ...deps.push,
    isTransient: (error) => error instanceof LedgerUnavailableError,
  });
  for (const add of deps.routes ?? []) add(app, deps);
  return app;
}
