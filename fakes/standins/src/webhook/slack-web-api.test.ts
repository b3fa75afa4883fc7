// The receiver's Slack Web API (users.info) and response_url, over real HTTP.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { webhookReceiverAdmin } from "./admin-client.js";
import { startWebhookReceiver, type WebhookReceiver } from "./receiver.js";

const hostile = '<script>alert(1)</script>"&<@U0>\n*bold*';
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver({
    slackUsers: [
      { id: "U0ALICE", email: "alice@acme.com", realName: "Alice A" },
      { id: "U0MALLORY", email: `${hostile}@acme.com`, displayName: hostile },
      { id: "U0GONE", email: "gone@acme.com", deleted: true },
      { id: "U0PARTNER", email: "alice@acme.com", teamId: "T0PARTNER", isStranger: true },
    ],
  });
});

afterAll(async () => {
  await receiver.close();
});

beforeEach(() => {
  receiver.reset();
});

async function usersInfo(
  form: Record<string, string>,
  headers: Record<string, string> = { authorization: `Bearer ${receiver.slackBotToken}` },
): Promise<Record<string, unknown>> {
  const response = await fetch(`${receiver.slackApiUrl}/users.info`, {
    method: "POST",
    body: new URLSearchParams(form).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/json");
  return (await response.json()) as Record<string, unknown>;
}

describe("users.info", () => {
  it("answers a member's profile with the email, for a bearer token (POST form or GET query)", async () => {
    const posted = await usersInfo({ user: "U0ALICE" });
    expect(posted).toMatchObject({
      ok: true,
      user: { id: "U0ALICE", deleted: false, is_bot: false, profile: { email: "alice@acme.com" } },
    });
    const got = await fetch(`${receiver.slackApiUrl}/users.info?user=U0ALICE`, {
      headers: { authorization: `Bearer ${receiver.slackBotToken}` },
    });
    expect(await got.json()).toMatchObject({ ok: true, user: { profile: { email: "alice@acme.com" } } });
  });

  it("takes the token from a POST form field too, but never from the query string", async () => {
    expect(await usersInfo({ user: "U0ALICE", token: receiver.slackBotToken }, {})).toMatchObject({
      ok: true,
    });
    const queried = await fetch(
      `${receiver.slackApiUrl}/users.info?user=U0ALICE&token=${receiver.slackBotToken}`,
    );
    expect(await queried.json()).toEqual({ ok: false, error: "not_authed" });
  });

  it("refuses a missing token (not_authed) and a wrong one (invalid_auth)", async () => {
    expect(await usersInfo({ user: "U0ALICE" }, {})).toEqual({ ok: false, error: "not_authed" });
    expect(await usersInfo({ user: "U0ALICE" }, { authorization: "Bearer xoxb-wrong" })).toEqual({
      ok: false,
      error: "invalid_auth",
    });
  });

  it("answers the member's team_id, and a shared channel's stranger with is_stranger and their team", async () => {
    expect(await usersInfo({ user: "U0ALICE" })).toMatchObject({ user: { team_id: "T0STANDIN" } });
    expect((await usersInfo({ user: "U0ALICE" })).user).not.toHaveProperty("is_stranger");
    expect(await usersInfo({ user: "U0PARTNER" })).toMatchObject({
      ok: true,
      user: {
        id: "U0PARTNER",
        team_id: "T0PARTNER",
        is_stranger: true,
        profile: { email: "alice@acme.com" },
      },
    });
  });

  it("answers user_not_found for an unknown id and invalid_arguments without one", async () => {
    expect(await usersInfo({ user: "U0NOBODY" })).toEqual({ ok: false, error: "user_not_found" });
    expect(await usersInfo({ user: "__proto__" })).toEqual({ ok: false, error: "user_not_found" });
    expect(await usersInfo({})).toEqual({ ok: false, error: "invalid_arguments" });
  });

  it("does not read arguments sent as JSON (users.info does not accept JSON)", async () => {
    const response = await fetch(`${receiver.slackApiUrl}/users.info`, {
      method: "POST",
      body: JSON.stringify({ user: "U0ALICE" }),
      headers: { "content-type": "application/json", authorization: `Bearer ${receiver.slackBotToken}` },
    });
    expect(await response.json()).toEqual({ ok: false, error: "invalid_arguments" });
  });

  it("answers deleted members with deleted: true, and hostile profile strings as they are", async () => {
    expect(await usersInfo({ user: "U0GONE" })).toMatchObject({ ok: true, user: { deleted: true } });
    expect(await usersInfo({ user: "U0MALLORY" })).toMatchObject({
      user: { profile: { email: `${hostile}@acme.com`, display_name: hostile } },
    });
  });

  it("records each call and can be scripted (429 with Retry-After)", async () => {
    receiver.script({ path: "/api/users.info", responses: [{ status: 429, retryAfterSeconds: 3 }] });
    const limited = await fetch(`${receiver.slackApiUrl}/users.info?user=U0ALICE`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(receiver.requests.map((r) => [r.path, r.response.status])).toEqual([["/api/users.info", 429]]);
  });

  it("answers unknown_method for a method it does not serve", async () => {
    const response = await fetch(`${receiver.slackApiUrl}/chat.postMessage`, {
      method: "POST",
      headers: { authorization: `Bearer ${receiver.slackBotToken}` },
    });
    expect(await response.json()).toEqual({
      ok: false,
      error: "unknown_method",
      req_method: "chat.postMessage",
    });
  });
});

describe("users.info scopes", () => {
  it("leaves the email out without users:read.email, and refuses without users:read", async () => {
    const noEmail = await startWebhookReceiver({
      slackBotScopes: ["users:read"],
      slackUsers: [{ id: "U0ALICE", email: "alice@acme.com" }],
    });
    const noRead = await startWebhookReceiver({ slackBotScopes: ["chat:write"] });
    try {
      const call = (r: WebhookReceiver) =>
        fetch(`${r.slackApiUrl}/users.info?user=U0ALICE`, {
          headers: { authorization: `Bearer ${r.slackBotToken}` },
        }).then((response) => response.json() as Promise<{ user?: { profile: object } }>);
      const answer = await call(noEmail);
      expect(answer.user?.profile).not.toHaveProperty("email");
      expect(await call(noRead)).toEqual({
        ok: false,
        error: "missing_scope",
        needed: "users:read",
        provided: "chat:write",
      });
    } finally {
      await Promise.all([noEmail.close(), noRead.close()]);
    }
  });
});

describe("admin: slack/users", () => {
  it("adds members from another process; a bad one adds none and names the field", async () => {
    const admin = webhookReceiverAdmin(receiver.baseUrl);
    await admin.addSlackUsers([{ id: "U0BOB", email: "bob@acme.com" }]);
    expect(await usersInfo({ user: "U0BOB" })).toMatchObject({
      user: { profile: { email: "bob@acme.com" } },
    });
    await expect(
      admin.addSlackUsers([{ id: "U0CAROL", email: "carol@acme.com" }, { id: "nope" }]),
    ).rejects.toThrow(/users\[1\]\.id: expected a Slack user id/);
    expect(await usersInfo({ user: "U0CAROL" })).toEqual({ ok: false, error: "user_not_found" });
    await admin.reset();
    expect(await usersInfo({ user: "U0BOB" })).toMatchObject({ ok: true });
  });
});

describe("response_url", () => {
  const path = "/actions/T0STANDIN/1234/abcdef";
  const post = (body: unknown, at = path) =>
    fetch(receiver.url(at), {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("accepts a replacement or an ephemeral message with {ok: true} and records it", async () => {
    const replaced = await post({
      replace_original: true,
      text: "Approved",
      blocks: [{ type: "context", elements: [{ type: "mrkdwn", text: "Approved by alice" }] }],
    });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toEqual({ ok: true });
    expect((await post({ response_type: "ephemeral", text: "no" })).status).toBe(200);
    expect((await post({ delete_original: true })).status).toBe(200);
    expect(receiver.delivered(path).map((r) => (r.json as { text?: string }).text)).toEqual([
      "Approved",
      "no",
      undefined,
    ]);
  });

  it("refuses what Slack refuses: no content, a bad response_type, bad blocks", async () => {
    const empty = await post({ replace_original: true });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ ok: false, error: "invalid_payload" });
    expect((await post({ response_type: "everyone", text: "x" })).status).toBe(400);
    const blocks = await post({ text: "x", blocks: Array(51).fill({ type: "divider" }) });
    expect(await blocks.json()).toEqual({ ok: false, error: "invalid_blocks" });
    expect(receiver.requests.map((r) => r.slack?.problems[0])).toEqual([
      "/: a message needs a non-empty text, blocks or attachments",
      '/response_type: expected "in_channel" or "ephemeral", got "everyone"',
      "/blocks: at most 50 blocks, got 51",
    ]);
  });

  it("takes 5 responses per URL; the 6th is refused, another URL is not", async () => {
    for (let i = 0; i < 5; i += 1) expect((await post({ text: `r${i}` })).status).toBe(200);
    const sixth = await post({ text: "r5" });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: "expired_url" });
    expect((await post({ text: "other" }, "/actions/T0STANDIN/1234/other")).status).toBe(200);
  });

  it("refuses a URL 30 minutes after its first response", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    expect((await post({ text: "first" })).status).toBe(200);
    vi.setSystemTime(Date.now() + 30 * 60 * 1000 + 1);
    expect((await post({ text: "late" })).status).toBe(404);
  });
});
