import { commonEnvSchema, type LocalEnvironment, loadConfig } from "@riposte/service-kit";
import { describe, expect, it } from "vitest";
import { DEV_WEBHOOK_SECRET, notifierDescriptor } from "./descriptor.js";
import { loadDestinations } from "./destinations.js";

const local: LocalEnvironment = {
  kubernetesUrl: "http://127.0.0.1:1",
  slackWebhookUrl: "http://127.0.0.1:2/services/T/B/local",
  webhookUrl: "http://127.0.0.1:2/soar",
  sccEndpoint: "127.0.0.1:3",
  sccSourceName: "organizations/123456789/sources/7",
};

describe("notifier descriptor", () => {
  it("points riposte dev at the Slack and SOAR stand-ins, both default, and the SCC source", () => {
    const env = notifierDescriptor.localEnv(local);
    const config = loadConfig(commonEnvSchema.extend(notifierDescriptor.env.shape), env);
    expect(config.SCC_SOURCE_NAME).toBe(local.sccSourceName);
    const destinations = loadDestinations({
      destinationsJson: config.NOTIFY_DESTINATIONS,
      slackWebhookUrl: config.SLACK_WEBHOOK_URL,
      minIntervalMs: config.DESTINATION_MIN_INTERVAL_MS,
      env: {},
    });
    expect(destinations.defaults.map((d) => [d.name, d.type, d.url])).toEqual([
      ["soar", "webhook", local.webhookUrl],
      ["slack", "slack", local.slackWebhookUrl],
    ]);
    expect(destinations.byName("soar")).toMatchObject({ secret: DEV_WEBHOOK_SECRET });
  });

  it("sets only what a partial local environment provides", () => {
    expect(
      notifierDescriptor.localEnv({ slackWebhookUrl: local.slackWebhookUrl } as LocalEnvironment),
    ).toEqual({
      SLACK_WEBHOOK_URL: local.slackWebhookUrl,
    });
  });

  it("refuses a bad SCC source name at start-up, saying what is expected", () => {
    expect(() => loadConfig(notifierDescriptor.env, { SCC_SOURCE_NAME: "projects/p/sources/1" })).toThrow(
      /SCC_SOURCE_NAME: expected organizations\/<number>\/sources\/<number>/,
    );
  });
});
