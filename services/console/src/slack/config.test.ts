// Slack's configuration: the approvers map as written in an env variable, and the combinations the
// console refuses to start with.
import { ConfigError, createSilentLogger, loadConfig } from "@riposte/service-kit";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseSlackApprovers, SlackEnv, slackConfigProblems } from "./config.js";
import { addSlackRoutes } from "./index.js";

const load = (env: Record<string, string>) => loadConfig(z.object(SlackEnv), env);
const wiring = {
  decide: async () => ({ ok: false as const, refusal: "unknown", message: "no" }),
  logger: createSilentLogger(),
};

describe("Slack configuration", () => {
  it("reads SLACK_APPROVERS into a map of Slack ids to normalised emails", () => {
    expect(parseSlackApprovers(" U0ALICE=Alice@Acme.com , W0BOB=bob@acme.com,")).toEqual(
      new Map([
        ["U0ALICE", "alice@acme.com"],
        ["W0BOB", "bob@acme.com"],
      ]),
    );
    expect(load({}).SLACK_APPROVERS).toEqual(new Map());
  });

  it("refuses malformed entries, look-alike emails, prototype names and an id given twice", () => {
    expect(() => parseSlackApprovers("alice@acme.com")).toThrow(/entry 1: expected SLACK_USER_ID=EMAIL/);
    expect(() => parseSlackApprovers("u0alice=alice@acme.com")).toThrow(/entry 1/);
    expect(() => parseSlackApprovers("__proto__=alice@acme.com")).toThrow(/entry 1/);
    expect(() => parseSlackApprovers("U0A=a@acme.com=b@acme.com")).toThrow(/entry 1/);
    expect(() => parseSlackApprovers("U0A=\u0430lice@acme.com")).toThrow(
      /entry 1: an email address here is plain ASCII/,
    );
    expect(() => parseSlackApprovers("U0A=a@acme.com,U0A=b@acme.com")).toThrow(/entry 2: U0A is given twice/);
    expect(() => load({ SLACK_APPROVERS: "nope" })).toThrow(/SLACK_APPROVERS/);
  });

  it("keeps the secrets out of error messages", () => {
    let message = "";
    try {
      load({ SLACK_SIGNING_SECRET: "short", SLACK_BOT_TOKEN: "not-a-token-secret-value" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/SLACK_SIGNING_SECRET/);
    expect(message).toMatch(/SLACK_BOT_TOKEN/);
    expect(message).not.toMatch(/short|not-a-token-secret-value/);
  });

  it("refuses a signing secret with no way to name approvers, and stand-in URLs on Cloud Run", () => {
    const config = load({ SLACK_SIGNING_SECRET: "0123456789abcdef" });
    expect(slackConfigProblems(config)).toEqual([
      "SLACK_SIGNING_SECRET is set but neither SLACK_APPROVERS nor SLACK_BOT_TOKEN: no click could be mapped to an approver",
    ]);
    const local = load({
      SLACK_SIGNING_SECRET: "0123456789abcdef",
      SLACK_APPROVERS: "U0A=a@acme.com",
      SLACK_RESPONSE_URL_BASE: "http://127.0.0.1:4567",
      SLACK_API_URL: "http://127.0.0.1:4567/api",
    });
    expect(slackConfigProblems(local)).toEqual([]);
    expect(slackConfigProblems({ ...local, SLACK_TEAM_ID: "T0ACME", K_SERVICE: "console" })).toEqual([
      expect.stringMatching(/^SLACK_RESPONSE_URL_BASE: must be https:\/\/hooks\.slack\.com on Cloud Run/),
      "SLACK_API_URL: must be https on Cloud Run (it carries the bot token)",
    ]);
    expect(
      slackConfigProblems({ ...load({ SLACK_APPROVERS: "U0A=a@acme.com" }), K_SERVICE: "console" }),
    ).toEqual([]);
  });

  it("reads SLACK_TEAM_ID as Slack writes it, nothing else", () => {
    expect(load({ SLACK_TEAM_ID: "T0ACME123" }).SLACK_TEAM_ID).toBe("T0ACME123");
    expect(load({}).SLACK_TEAM_ID).toBeUndefined();
    for (const bad of [
      "t0acme",
      "U0ACME",
      "E0GRID",
      "T",
      "T0<script>",
      "T0ACME\n",
      "__proto__",
      `T${"A".repeat(21)}`,
    ]) {
      expect(() => load({ SLACK_TEAM_ID: bad }), bad).toThrow(/SLACK_TEAM_ID/);
    }
  });

  it("refuses Slack on Cloud Run without SLACK_TEAM_ID (Slack Connect's partners could click)", () => {
    const cloud = {
      ...load({ SLACK_SIGNING_SECRET: "0123456789abcdef", SLACK_BOT_TOKEN: "xoxb-1-abc" }),
      K_SERVICE: "console",
    };
    expect(slackConfigProblems(cloud)).toEqual([
      expect.stringMatching(/^SLACK_TEAM_ID: required on Cloud Run/),
    ]);
    expect(() => addSlackRoutes(new Hono(), cloud, wiring)).toThrow(ConfigError);
    expect(() => addSlackRoutes(new Hono(), cloud, wiring)).toThrow(/SLACK_TEAM_ID/);
    expect(slackConfigProblems({ ...cloud, SLACK_TEAM_ID: "T0ACME" })).toEqual([]);
    // Off Cloud Run (riposte dev, tests) it stays optional.
    expect(slackConfigProblems({ ...cloud, K_SERVICE: undefined })).toEqual([]);
  });
});

describe("addSlackRoutes", () => {
  const post = (app: Hono) => app.request("/slack/interactions", { method: "POST", body: "payload=%7B%7D" });

  it("serves /slack/interactions only with a signing secret", async () => {
    const without = new Hono();
    addSlackRoutes(without, load({}), wiring);
    expect((await post(without)).status).toBe(404);
    const withSecret = new Hono();
    addSlackRoutes(
      withSecret,
      load({ SLACK_SIGNING_SECRET: "0123456789abcdef", SLACK_APPROVERS: "U0A=a@acme.com" }),
      wiring,
    );
    expect((await post(withSecret)).status).toBe(401);
  });

  it("refuses to start with a configuration that cannot work", () => {
    expect(() =>
      addSlackRoutes(new Hono(), load({ SLACK_SIGNING_SECRET: "0123456789abcdef" }), wiring),
    ).toThrow(ConfigError);
  });
});
