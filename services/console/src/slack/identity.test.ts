// Who clicked: SLACK_APPROVERS first, else users.info on the Slack stand-in over HTTP; everything that
// is not a plain, active person with an email is refused.
import { startWebhookReceiver, type WebhookReceiver } from "@riposte/standins";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseSlackApprovers } from "./config.js";
import { slackIdentity } from "./identity.js";

let slack: WebhookReceiver;

beforeAll(async () => {
  slack = await startWebhookReceiver({
    slackUsers: [
      { id: "U0ALICE", email: "Alice@Acme.com" },
      { id: "U0HOSTILE", email: "<script>alert(1)</script>@acme.com" },
      // Cyrillic "а": looks like alice@acme.com, is not.
      { id: "U0LOOKALIKE", email: "\u0430lice@acme.com" },
      { id: "U0NOEMAIL" },
      { id: "U0GONE", email: "gone@acme.com", deleted: true },
      { id: "U0BOT", email: "bot@acme.com", isBot: true },
      // Slack Connect: a partner organisation's member whose admin set their email to ours.
      { id: "U0PARTNER", email: "alice@acme.com", teamId: "T0PARTNER", isStranger: true },
      { id: "U0OTHERTEAM", email: "alice@acme.com", teamId: "T0PARTNER" },
      { id: "U0HIDDEN", email: "alice@acme.com", isStranger: true },
    ],
  });
});

afterAll(async () => {
  await slack.close();
});

beforeEach(() => {
  slack.reset();
});

const resolver = (options: { approvers?: string; token?: string | undefined; teamId?: string } = {}) =>
  slackIdentity({
    approvers: parseSlackApprovers(options.approvers ?? ""),
    botToken: "token" in options ? options.token : slack.slackBotToken,
    teamId: options.teamId,
    apiUrl: slack.slackApiUrl,
  });

describe("Slack identity", () => {
  it("maps through SLACK_APPROVERS without asking Slack", async () => {
    const who = await resolver({ approvers: "U0BOB=bob@acme.com" })("U0BOB");
    expect(who).toEqual({ ok: true, identity: "user:bob@acme.com", source: "SLACK_APPROVERS" });
    expect(slack.requests).toHaveLength(0);
  });

  it("else asks users.info (form body, bearer token) and normalises the email", async () => {
    expect(await resolver()("U0ALICE")).toEqual({
      ok: true,
      identity: "user:alice@acme.com",
      source: "users.info",
    });
    const [call] = slack.requests;
    expect(call?.path).toBe("/api/users.info");
    expect(call?.rawBody).toBe("user=U0ALICE");
    expect(call?.headers.authorization).toBe(`Bearer ${slack.slackBotToken}`);
    expect(call?.query).toBe("");
  });

  it("refuses an unknown user, and anyone not in the map when there is no bot token", async () => {
    expect(await resolver()("U0NOBODY")).toMatchObject({
      ok: false,
      reason: "unknown-user",
      detail: "user_not_found",
    });
    expect(await resolver({ token: undefined })("U0ALICE")).toMatchObject({
      ok: false,
      reason: "unknown-user",
    });
    expect(slack.requests).toHaveLength(1);
  });

  it("refuses hostile and look-alike emails, no email, deactivated accounts and bots", async () => {
    const resolve = resolver();
    expect(await resolve("U0HOSTILE")).toMatchObject({ ok: false, reason: "no-email" });
    expect(await resolve("U0LOOKALIKE")).toMatchObject({ ok: false, reason: "no-email" });
    expect(await resolve("U0NOEMAIL")).toMatchObject({ ok: false, reason: "no-email" });
    expect(await resolve("U0GONE")).toMatchObject({ ok: false, reason: "deactivated", detail: "deleted" });
    expect(await resolve("U0BOT")).toMatchObject({ ok: false, reason: "deactivated", detail: "is_bot" });
  });

  it("attack: another organisation's member (Slack Connect) showing our email is refused", async () => {
    const ours = resolver({ teamId: "T0STANDIN" });
    expect(await ours("U0ALICE")).toMatchObject({ ok: true, identity: "user:alice@acme.com" });
    for (const id of ["U0PARTNER", "U0OTHERTEAM", "U0HIDDEN"]) {
      expect(await ours(id)).toMatchObject({ ok: false, reason: "other-workspace" });
    }
    // Without SLACK_TEAM_ID the team cannot be compared, but a stranger is still nobody here.
    expect(await resolver()("U0PARTNER")).toMatchObject({ ok: false, reason: "other-workspace" });
    expect(await resolver()("U0HIDDEN")).toMatchObject({ ok: false, detail: "is_stranger" });
  });

  it("refuses when the lookup fails: wrong token, 5xx, rate limit, a slow answer", async () => {
    expect(await resolver({ token: "xoxb-wrong" })("U0ALICE")).toMatchObject({
      ok: false,
      reason: "lookup-failed",
      detail: "users.info: invalid_auth",
    });
    slack.script({
      path: "/api/users.info",
      responses: [{ status: 500 }, { status: 429, retryAfterSeconds: 5 }],
    });
    expect(await resolver()("U0ALICE")).toMatchObject({
      reason: "lookup-failed",
      detail: "users.info answered HTTP 500",
    });
    expect(await resolver()("U0ALICE")).toMatchObject({
      reason: "lookup-failed",
      detail: "users.info answered HTTP 429",
    });
    slack.script({ path: "/api/users.info", responses: [{ status: 200, delayMs: 400 }] });
    const slow = slackIdentity({
      approvers: new Map(),
      botToken: slack.slackBotToken,
      apiUrl: slack.slackApiUrl,
      timeoutMs: 100,
    });
    expect(await slow("U0ALICE")).toMatchObject({ ok: false, reason: "lookup-failed" });
  });

  it("a user id named like a prototype property maps to nobody", async () => {
    const resolve = resolver({ approvers: "U0BOB=bob@acme.com", token: undefined });
    for (const id of ["__proto__", "constructor", "toString"]) {
      expect(await resolve(id)).toMatchObject({ ok: false, reason: "unknown-user" });
    }
  });
});
