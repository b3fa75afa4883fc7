import { afterEach, describe, expect, it, vi } from "vitest";
import { destinationsFromConfig } from "./config.js";

const SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXSECRETPATH";
const config = {
  NOTIFY_DESTINATIONS: JSON.stringify([{ name: "sec", type: "slack", url_env: "RIPOSTE_TEST_SEC_URL" }]),
  SLACK_WEBHOOK_URL: undefined,
  DESTINATION_MIN_INTERVAL_MS: 250,
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("destinationsFromConfig", () => {
  it("looks url_env and secret_env up in the environment it is given", () => {
    const set = destinationsFromConfig(config, { RIPOSTE_TEST_SEC_URL: SLACK_URL });
    expect(set.byName("sec")).toMatchObject({ type: "slack", url: SLACK_URL, minIntervalMs: 250 });
  });

  it("reads the process environment by default (the notifier's only reader of it)", () => {
    vi.stubEnv("RIPOSTE_TEST_SEC_URL", SLACK_URL);
    expect(destinationsFromConfig(config).byName("sec")).toMatchObject({ url: SLACK_URL });
  });
});
