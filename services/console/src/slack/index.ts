// Slack interactivity as the console's wiring uses it: from the configuration to the routes, or none
// when SLACK_SIGNING_SECRET is not set (then /slack/interactions does not exist: 404, not 401).
import type { Logger } from "@riposte/service-kit";
import type { Hono } from "hono";
import { assertSlackConfig, type SlackConfig } from "./config.js";
import { slackIdentity } from "./identity.js";
import { type SlackInteractionsOptions, slackInteractionsRoute } from "./route.js";

export { assertSlackConfig, type SlackConfig, SlackEnv, slackConfigProblems } from "./config.js";
export {
  SLACK_INTERACTIONS_PATH,
  type SlackDecideRequest,
  type SlackDecideResult,
  type SlackIdentityRefusal,
  type SlackInteractionsOptions,
  slackInteractionsRoute,
} from "./route.js";

export interface SlackWiring {
  decide: SlackInteractionsOptions["decide"];
  recordRefusal?: SlackInteractionsOptions["recordRefusal"];
  logger: Logger;
  fetch?: typeof fetch;
}

/**
 * Adds POST /slack/interactions to `app` when SLACK_SIGNING_SECRET is set; throws ConfigError on a
 * combination the console must not start with (see slackConfigProblems).
 */
export function addSlackRoutes(
  app: Hono,
  config: SlackConfig & { K_SERVICE?: string | undefined },
  wiring: SlackWiring,
): void {
  assertSlackConfig(config);
  if (config.SLACK_SIGNING_SECRET === undefined) return;
  const identity = slackIdentity({
    approvers: config.SLACK_APPROVERS,
    botToken: config.SLACK_BOT_TOKEN,
    teamId: config.SLACK_TEAM_ID,
    apiUrl: config.SLACK_API_URL,
    ...(wiring.fetch && { fetch: wiring.fetch }),
  });
  app.route(
    "/",
    slackInteractionsRoute({
      signingSecret: config.SLACK_SIGNING_SECRET,
      teamId: config.SLACK_TEAM_ID,
      identity,
      responseUrlBase: config.SLACK_RESPONSE_URL_BASE,
      decide: wiring.decide,
      ...(wiring.recordRefusal && { recordRefusal: wiring.recordRefusal }),
      logger: wiring.logger,
    }),
  );
}
