// The console's parts in the order createApp adds them: Slack's interactions (they authenticate
// themselves by signature, so they come before the IAP check), the IAP check (it guards only what is
// added after it), then the pages, which read the actor it sets. Each part checks its own
// configuration here, at start: a console that would refuse every click or form does not start.
import type { Ledger } from "@riposte/ledger";
import type { Logger } from "@riposte/service-kit";
import { cloudTraceProject } from "@riposte/service-kit/gcp";
import type { ConsoleRoutes } from "./app.js";
import { decide } from "./approvals/decide.js";
import { acceptsLocalIdentities } from "./approvals/deps.js";
import type { ConsoleConfig } from "./config.js";
import { consoleAuthentication } from "./iap/authentication.js";
import { cloudLinks, consolePages, consolePagesSettings, LOCAL_LINKS } from "./pages/index.js";
import { addSlackRoutes } from "./slack/index.js";

export function consoleParts(config: ConsoleConfig, ledger: Ledger, logger: Logger): ConsoleRoutes[] {
  const authentication = consoleAuthentication(config, { logger });
  const pagesSettings = consolePagesSettings(config);
  return [
    (app, deps) =>
      addSlackRoutes(app, config, {
        decide: (request) => decide(deps.approvals, request),
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
