// The webhook receiver over real HTTP (fetch against a port-0 server), including its admin API.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { webhookReceiverAdmin } from "./admin-client.js";
import { startWebhookReceiver, type WebhookReceiver } from "./receiver.js";

const slackPath = "/services/T000/B000/alerts";
let receiver: WebhookReceiver;

function post(
  path: string,
  body: string,
  headers: Record<string, string> = { "content-type": "application/json" },
) {
  return fetch(receiver.url(path), { method: "POST", body, headers });
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
});

afterAll(async () => {
  await receiver.close();
});

beforeEach(() => {
  receiver.reset();
});

describe("recording", () => {
  it("records method, path, headers, raw body, parsed JSON and time, and answers 200 ok", async () => {
    const body = JSON.stringify({ text: "hello", blocks: [{ type: "divider" }] });
    const before = Date.now();
    const response = await post(slackPath, body, { "content-type": "application/json", "x-custom": "1" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok");
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request).toMatchObject({
      seq: 1,
      method: "POST",
      path: slackPath,
      rawBody: body,
      json: { text: "hello", blocks: [{ type: "divider" }] },
      response: { status: 200, body: "ok", scripted: false },
      slack: { ok: true, problems: [], textTruncated: false },
    });
    expect(request?.headers["x-custom"]).toBe("1");
    expect(request?.receivedAt).toBeGreaterThanOrEqual(before);
  });

  it("accepts any body on generic (non-Slack) webhook paths", async () => {
    const response = await post("/soar/xsoar", JSON.stringify({ incident: "abc" }), {
      "content-type": "application/json",
      "x-riposte-signature": "t=1,v1=00",
    });
    expect(response.status).toBe(200);
    expect(receiver.requests[0]?.slack).toBeUndefined();
    expect(receiver.requests[0]?.headers["x-riposte-signature"]).toBe("t=1,v1=00");
  });

  it("waitFor resolves on a later request and rejects after its timeout", async () => {
    const waiting = receiver.waitFor((r) => r.path === "/later", 2000);
    await post("/later", "{}");
    expect((await waiting).path).toBe("/later");
    await expect(receiver.waitFor((r) => r.path === "/never", 50)).rejects.toThrow(
      /no matching request within 50 ms/,
    );
  });
});

describe("Slack validation", () => {
  it("answers 400 invalid_payload for a body without text or blocks, or that is not JSON", async () => {
    const empty = await post(slackPath, JSON.stringify({ username: "x" }));
    expect(empty.status).toBe(400);
    expect(await empty.text()).toBe("invalid_payload");
    const notJson = await post(slackPath, "text=hello", { "content-type": "text/plain" });
    expect(notJson.status).toBe(400);
    expect(receiver.delivered()).toHaveLength(0);
  });

  it("answers 400 invalid_blocks beyond 50 blocks or a section text over 3000 characters", async () => {
    const many = await post(
      slackPath,
      JSON.stringify({ text: "x", blocks: Array(51).fill({ type: "divider" }) }),
    );
    expect(many.status).toBe(400);
    expect(await many.text()).toBe("invalid_blocks");
    const long = await post(
      slackPath,
      JSON.stringify({
        text: "x",
        blocks: [{ type: "section", text: { type: "mrkdwn", text: "a".repeat(3001) } }],
      }),
    );
    expect(long.status).toBe(400);
    expect(receiver.requests[1]?.slack?.problems).toEqual([
      "/blocks/0/text/text: must be at most 3000 characters, got 3001",
    ]);
  });

  it("answers 400 invalid_blocks for a button past Block Kit's limits and a block_id used twice", async () => {
    const plain = (text: string) => ({ type: "plain_text", text });
    const button = (overrides: Record<string, unknown> = {}) => ({
      type: "button",
      action_id: "approve",
      text: plain("Approve"),
      value: "{}",
      style: "primary",
      confirm: { title: plain("Sure?"), text: plain("It runs."), confirm: plain("Yes"), deny: plain("No") },
      ...overrides,
    });
    const actions = (elements: unknown[], blockId = "a") => ({
      type: "actions",
      block_id: blockId,
      elements,
    });
    const good = await post(slackPath, JSON.stringify({ text: "x", blocks: [actions([button()])] }));
    expect(good.status).toBe(200);
    const bad = await post(
      slackPath,
      JSON.stringify({
        text: "x",
        blocks: [
          actions([
            button({ text: plain("a".repeat(76)), value: "v".repeat(2001), style: "blue" }),
            button({
              confirm: {
                title: plain("t".repeat(101)),
                text: { type: "mrkdwn", text: "x".repeat(301) },
                confirm: plain("c".repeat(31)),
                deny: { type: "mrkdwn", text: "No" },
              },
            }),
          ]),
          actions([button()]),
        ],
      }),
    );
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe("invalid_blocks");
    expect(receiver.requests[1]?.slack?.problems).toEqual([
      "/blocks/0/elements/0/text/text: must be at most 75 characters, got 76",
      "/blocks/0/elements/0/value: must be at most 2000 characters",
      '/blocks/0/elements/0/style: expected primary or danger, got "blue"',
      '/blocks/0/elements/1/action_id: "approve" is not unique in its block',
      "/blocks/0/elements/1/confirm/title/text: must be at most 100 characters, got 101",
      "/blocks/0/elements/1/confirm/text/text: must be at most 300 characters, got 301",
      "/blocks/0/elements/1/confirm/confirm/text: must be at most 30 characters, got 31",
      '/blocks/0/elements/1/confirm/deny/type: expected one of plain_text, got "mrkdwn"',
      '/blocks/1/block_id: "a" is not unique',
    ]);
  });

  it("accepts Slack's form-encoded payload= and notes a text over 40,000 characters", async () => {
    const form = new URLSearchParams({ payload: JSON.stringify({ text: "t".repeat(40_001) }) }).toString();
    const response = await post(slackPath, form, { "content-type": "application/x-www-form-urlencoded" });
    expect(response.status).toBe(200);
    expect(receiver.requests[0]?.slack?.textTruncated).toBe(true);
  });
});

describe("scripted answers", () => {
  it("answers 429 with Retry-After, then 500, then back to 200", async () => {
    receiver.script({ path: slackPath, responses: [{ status: 429, retryAfterSeconds: 2 }, { status: 500 }] });
    const body = JSON.stringify({ text: "hi" });
    const first = await post(slackPath, body);
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("2");
    expect(await first.text()).toBe("rate_limited");
    expect((await post(slackPath, body)).status).toBe(500);
    expect((await post(slackPath, body)).status).toBe(200);
    expect(receiver.requests.map((r) => [r.response.status, r.response.scripted])).toEqual([
      [429, true],
      [500, true],
      [200, false],
    ]);
    expect(receiver.delivered(slackPath)).toHaveLength(1);
  });

  it("path scripts apply only to their path; global scripts to any path", async () => {
    receiver.script({ path: "/a", responses: [{ status: 503 }] });
    receiver.script({ responses: [{ status: 502 }] });
    expect((await post("/b", "{}")).status).toBe(502);
    expect((await post("/a", "{}")).status).toBe(503);
    expect((await post("/a", "{}")).status).toBe(200);
  });

  it("can delay an answer or drop the connection", async () => {
    receiver.script({
      responses: [
        { status: 200, delayMs: 150 },
        { status: 200, dropConnection: true },
      ],
    });
    const started = Date.now();
    expect((await post("/slow", "{}")).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await expect(post("/dropped", "{}")).rejects.toThrow();
  });

  it("refuses a malformed script naming the field", () => {
    expect(() => receiver.script({ responses: [{ status: 99 }] })).toThrow(/script.responses\[0\].status/);
  });
});

describe("admin API", () => {
  it("lets another process script, read and reset the receiver", async () => {
    const admin = webhookReceiverAdmin(receiver.baseUrl);
    await admin.script({ path: slackPath, responses: [{ status: 429, retryAfterSeconds: 1 }] });
    expect((await post(slackPath, JSON.stringify({ text: "a" }))).status).toBe(429);
    expect((await post(slackPath, JSON.stringify({ text: "b" }))).status).toBe(200);

    const requests = await admin.requests({ path: slackPath });
    expect(requests.map((r) => r.response.status)).toEqual([429, 200]);
    expect((await admin.requests({ since: requests[0]?.seq ?? 0 })).map((r) => r.json)).toEqual([
      { text: "b" },
    ]);
    const found = await admin.waitFor((r) => (r.json as { text?: string }).text === "b");
    expect(found.seq).toBe(requests[1]?.seq);

    await admin.reset();
    expect(await admin.requests()).toEqual([]);
    // Admin calls are not recorded as webhook requests.
    expect(receiver.requests).toHaveLength(0);
  });

  it("answers 400 with the reason for a bad script", async () => {
    const response = await fetch(`${receiver.baseUrl}/__standin/script`, {
      method: "POST",
      body: JSON.stringify({ responses: [{ status: "soon" }] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain("script.responses[0].status");
  });
});
