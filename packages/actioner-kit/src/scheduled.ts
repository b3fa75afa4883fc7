// An actioner's scheduled calls (e.g. the isolator's release of expired quarantine leases): Cloud
// Scheduler posts to them with the push account's OIDC token, checked as the pushes are; a call that
// could not do its work for now (the ledger or the cluster out of reach) answers 503, and the next
// scheduled call tries again.
import { LedgerUnavailableError } from "@riposte/ledger";
import {
  type createPushApp,
  errorMessage,
  type Logger,
  type PushAppOptions,
  RetryableError,
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
  const { authenticator, logger } = push;
  for (const call of calls) {
    app.post(call.path, async (c) => {
      if (authenticator) {
        // A forged call could otherwise make the service act early (lift a quarantine).
        const auth = await authenticator.authenticate(c.req.header("authorization"));
        if (!auth.ok) {
          logger.warn(
            { status: auth.status, reason: auth.reason, path: call.path },
            "scheduled call not authenticated",
          );
          return c.text(auth.reason, auth.status);
        }
      }
      try {
        return c.json(await call.run(runner, logger.child({ scheduled: call.path })));
      } catch (error) {
        const retryable = error instanceof LedgerUnavailableError || error instanceof RetryableError;
        logger[retryable ? "warn" : "error"](
          { err: errorMessage(error), path: call.path },
          `scheduled call ${call.path} failed: ${errorMessage(error)}`,
        );
        return c.text(errorMessage(error), 503);
      }
    });
  }
}
