// An actioner's scheduled calls (e.g. the isolator's release of expired quarantine leases), served by
// service-kit's scheduled-route shell (OIDC checked as the pushes are; a call that could not do its
// work for now — the ledger or the cluster out of reach — answers 503 and the next call tries again).
import { LedgerUnavailableError } from "@riposte/ledger";
import {
  addScheduledRoutes,
  type createPushApp,
  type Logger,
  type PushAppOptions,
  type ScheduledCallSpec,
} from "@riposte/service-kit";
import type { ActionRunnerDeps } from "./action.js";

export interface ActionerScheduledCall extends ScheduledCallSpec {
  /** Does the work due; its result is the answer's JSON. */
  run(runner: ActionRunnerDeps, logger: Logger): Promise<Record<string, unknown>>;
}

export function addScheduledCalls(
  app: ReturnType<typeof createPushApp>,
  calls: readonly ActionerScheduledCall[],
  runner: ActionRunnerDeps,
  push: Pick<PushAppOptions, "authenticator" | "logger">,
): void {
  addScheduledRoutes(
    app,
    calls.map((call) => ({ path: call.path, run: (logger: Logger) => call.run(runner, logger) })),
    { ...push, isTransient: (error) => error instanceof LedgerUnavailableError },
  );
}
