// The console's parts in the order createApp adds them: Slack's interactions (they authenticate
// themselves by signature, so they come before the IAP check), the IAP check (it guards only what is
// added after it), then the pages, which read the actor it sets. Each part checks its own
// configuration here, at start: a console that would refuse every click or form does not start.
import type { Ledger } from "@riposte/ledger";
import { ConfigError, type Logger } from "@riposte/service-kit";
import { cloudTraceProject } from "@riposte/service-kit/gcp";
import type { ConsoleRoutes } from "./app.js";
import { decide } from "./approvals/decide.js";
import { acceptsLocalIdentities } from "./approvals/deps.js";
import type { ConsoleConfig } from "./config.js";
import { consoleAuthentication } from "./iap/authentication.js";
import { cloudLinks, consolePages, consolePagesSettings, LOCAL_LINKS } from "./pages/index.js";
import { addSlackRoutes } from "./slack/index.js";

export function consoleParts(config: ConsoleConfig, ledger: Ledger, logger: Logger): ConsoleRoutes[] {
  // On the emulator a local operator may decide; on Cloud Run that would make an unauthenticated
  // emulator the judge of what real commands go out.
  if (config.K_SERVICE !== undefined && config.FIRESTORE_EMULATOR_HOST !== undefined)
    throw new ConfigError([
      "FIRESTORE_EMULATOR_HOST is set on Cloud Run (K_SERVICE): the console decides only against the real ledger there",
    ]);
  const authentication = consoleAuthentication(config, { logger });
  const pagesSettings = consolePagesSettings(config);
  return [
    (app, deps) =>
      addSlackRoutes(app, config, {
        decide: (request) => decide(deps.approvals, request),
        // A click nobody could name as an approver (unknown, another workspace, no usable email) is
        // kept with the approval as `slack:U…`, like any refused attempt: the trail shows who tried.
        recordRefusal: ({ ref, slackUserId, reason }) =>
          deps.approvals.ledger.recordApprovalRefusal({
            ...ref,
            by: `slack:${slackUserId}`,
            via: "slack",
            reason,
          }),
        logger,
      }),
    (app) => {
      app.use(authentication);
    },
    (app, deps) => {
      app.route(
        "/",
        consolePages({
          ledger,
          decide: (request) => decide(deps.approvals, request),
          links: acceptsLocalIdentities(config) ? LOCAL_LINKS : cloudLinks(cloudTraceProject()),
          logger,
          ...pagesSettings,
        }),
      );
    },
  ];
}
