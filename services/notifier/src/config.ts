// The notifier's config module, the only reader of the process environment here: destinations name
// variables in it (`url_env`, `secret_env`, how Cloud Run injects Secret Manager secrets).
import type { Env } from "@riposte/service-kit";
import type { z } from "zod";
import type { notifierEnv } from "./descriptor.js";
import { type DestinationSet, loadDestinations } from "./destinations.js";

export type NotifierConfig = z.output<typeof notifierEnv>;

/** NOTIFY_DESTINATIONS and SLACK_WEBHOOK_URL, validated, with `*_env` variables looked up in `env`. */
export function destinationsFromConfig(
  config: Pick<NotifierConfig, "NOTIFY_DESTINATIONS" | "SLACK_WEBHOOK_URL" | "DESTINATION_MIN_INTERVAL_MS">,
  env: Env = process.env,
): DestinationSet {
  return loadDestinations({
    destinationsJson: config.NOTIFY_DESTINATIONS,
    slackWebhookUrl: config.SLACK_WEBHOOK_URL,
    minIntervalMs: config.DESTINATION_MIN_INTERVAL_MS,
    env,
  });
}
