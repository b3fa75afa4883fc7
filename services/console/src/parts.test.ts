import { Firestore } from "@google-cloud/firestore";
import { createLedger } from "@riposte/ledger";
import { ConfigError, createSilentLogger } from "@riposte/service-kit";
import { createMemoryPublisher } from "@riposte/service-kit/testing";
import { startWebhookReceiver, type WebhookReceiver } from "@riposte/standins";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { useApprovalFixture } from "./approvals/test-fixture.js";
import { consoleEnv } from "./config.js";
import { consoleParts } from "./parts.js";
import { blockActions, formBody, slackRequestInit, TEST_SIGNING_SECRET } from "./slack/test-support.js";

const ledger = createLedger({ firestore: new Firestore({ projectId: "parts-test" }) });

describe("consoleParts at start", () => {
  it("refuses a console on Cloud Run whose ledger is the emulator (a local operator could decide there)", () => {
    const config = consoleEnv.parse({
      GOOGLE_CLOUD_PROJECT: "p",
      K_SERVICE: "console",
      FIRESTORE_EMULATOR_HOST: "127.0.0.1:8080",
      IAP_AUDIENCE: "/projects/1/global/backendServices/2",
      CONSOLE_FORM_SECRET: Buffer.alloc(32, 7).toString("base64"),
    });
    expect(() => consoleParts(config, ledger, createSilentLogger())).toThrow(ConfigError);
    expect(() => consoleParts(config, ledger, createSilentLogger())).toThrow(
      /FIRESTORE_EMULATOR_HOST is set on Cloud Run/,
    );
  });

  it("starts under riposte dev (the emulator, no K_SERVICE, none-local)", () => {
    const config = consoleEnv.parse({
      GOOGLE_CLOUD_PROJECT: "p",
      FIRESTORE_EMULATOR_HOST: "127.0.0.1:8080",
      CONSOLE_AUTHENTICATION: "none-local",
    });
    expect(consoleParts(config, ledger, createSilentLogger())).toHaveLength(3);
  });
});

const fixture = await useApprovalFixture();

describe("Slack clicks nobody could name, through the console's wiring", { timeout: 60_000 }, () => {
  let slack: WebhookReceiver;
  beforeAll(async () => {
    slack = await startWebhookReceiver({
      slackUsers: [
        { id: "U0NOEMAIL" },
        { id: "U0PARTNER", email: "alice@acme.com", teamId: "T0PARTNER", isStranger: true },
      ],
    });
  });
  afterAll(async () => {
    await slack?.close();
    await fixture.close();
  });

  function app() {
    const config = consoleEnv.parse({
      GOOGLE_CLOUD_PROJECT: "p",
      FIRESTORE_EMULATOR_HOST: "127.0.0.1:8080",
      CONSOLE_AUTHENTICATION: "none-local",
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_BOT_TOKEN: slack.slackBotToken,
      SLACK_TEAM_ID: "T0STANDIN",
      SLACK_API_URL: slack.slackApiUrl,
      SLACK_RESPONSE_URL_BASE: slack.baseUrl,
    });
    const approvals = fixture.instance();
    const push = { service: "console", publisher: createMemoryPublisher(), logger: createSilentLogger() };
    return createApp({ push, approvals, routes: consoleParts(config, fixture.router, createSilentLogger()) });
  }

  it("an unknown user's, a profile without email's and a partner's click each leave a refusal in the ledger", async () => {
    const held = await fixture.hold();
    const value = JSON.stringify({ incident: held.incident, action: "kill-pod" });
    for (const id of ["U0NOBODY", "U0NOEMAIL", "U0PARTNER"]) {
      const payload = blockActions(
        { user: { id }, response_url: `${slack.baseUrl}/actions/T0STANDIN/1/${id}` },
        { value },
      );
      const response = await app().request("/slack/interactions", slackRequestInit(formBody(payload)));
      expect(response.status).toBe(200);
    }
    const approval = await fixture.router.readApproval(held.incident, "kill-pod");
    expect(approval?.state).toBe("awaiting-approval");
    expect(approval?.refusals.map(({ by, via, reason }) => ({ by, via, reason }))).toEqual([
      { by: "slack:U0NOBODY", via: "slack", reason: "slack user U0NOBODY: unknown-user" },
      { by: "slack:U0NOEMAIL", via: "slack", reason: "slack user U0NOEMAIL: no-email" },
      { by: "slack:U0PARTNER", via: "slack", reason: "slack user U0PARTNER: other-workspace" },
    ]);
  });
});
