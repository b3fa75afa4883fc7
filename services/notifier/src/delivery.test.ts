// Delivery against the real webhook stand-in (a real HTTP server): rate limit, Retry-After, retries.
import { RetryableError } from "@riposte/service-kit";
import { describe, expect, it } from "vitest";
import { createDeliverer, type DelivererOptions, parseRetryAfter } from "./delivery.js";
import { useWebhookReceiver } from "./testing/fixture.js";
import { signWebhook, verifyWebhookSignature } from "./webhook.js";

const receiver = await useWebhookReceiver();

const SLACK_PATH = "/services/T1/B1/delivery";
const message = (text: string) => ({ body: JSON.stringify({ text }) });

function setup(overrides: Partial<DelivererOptions> = {}) {
  return createDeliverer({
    maxAttempts: 4,
    attemptTimeoutMs: 2_000,
    backoff: { initialMs: 50, maxMs: 200 },
    ...overrides,
  });
}

const soon = (ms = 10_000) => ({ deadlineAt: Date.now() + ms });

describe("deliverer", () => {
  it("spaces messages to one destination by minIntervalMs, and lets other destinations through", async () => {
    const deliverer = setup();
    const slack = { name: "slack", url: receiver.url(SLACK_PATH), minIntervalMs: 300 };
    const other = { name: "other", url: receiver.url("/soar"), minIntervalMs: 300 };
    const started = Date.now();
    const results = await Promise.all([
      deliverer.deliver(slack, message("one"), soon()),
      deliverer.deliver(slack, message("two"), soon()),
      deliverer.deliver(slack, message("three"), soon()),
      deliverer.deliver(other, message("elsewhere"), soon()),
    ]);
    expect(results.every((r) => r.delivered)).toBe(true);
    const times = receiver.delivered(SLACK_PATH).map((r) => r.receivedAt);
    expect(receiver.delivered(SLACK_PATH).map((r) => (r.json as { text: string }).text)).toEqual([
      "one",
      "two",
      "three",
    ]);
    // Sends leave 300 ms apart; arrival times also carry connection set-up, hence the margin (without
    // the limit the gaps are a few ms).
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(200);
    expect((times[2] as number) - (times[1] as number)).toBeGreaterThanOrEqual(200);
    // Another destination does not queue behind slack's three (that would take ≥ 900 ms).
    const elsewhere = receiver.delivered("/soar")[0];
    expect((elsewhere?.receivedAt as number) - started).toBeLessThan(600);
  });

  it("honours 429 Retry-After: the next attempt waits at least that long, and the message arrives once", async () => {
    const deliverer = setup();
    receiver.script({ path: SLACK_PATH, responses: [{ status: 429, retryAfterSeconds: 1 }] });
    const result = await deliverer.deliver(
      { name: "slack", url: receiver.url(SLACK_PATH), minIntervalMs: 0 },
      message("x"),
      soon(),
    );
    expect(result).toMatchObject({ delivered: true, attempts: 2 });
    const [first, second] = receiver.requests;
    expect(first?.response.status).toBe(429);
    expect(second?.response.status).toBe(200);
    expect((second?.receivedAt as number) - (first?.receivedAt as number)).toBeGreaterThanOrEqual(1_000);
    expect(receiver.delivered(SLACK_PATH)).toHaveLength(1);
  });

  it("answers Retryable at once when Retry-After goes past the deadline, and holds the lane until then", async () => {
    const deliverer = setup();
    const slack = { name: "slack", url: receiver.url(SLACK_PATH), minIntervalMs: 0 };
    receiver.script({ path: SLACK_PATH, responses: [{ status: 429, retryAfterSeconds: 30 }] });
    const started = Date.now();
    const error = await deliverer.deliver(slack, message("x"), soon(3_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).retryAfterSeconds).toBe(30);
    expect(Date.now() - started).toBeLessThan(1_000);
    // The destination asked for 30 s of quiet: the next message does not even try.
    await expect(deliverer.deliver(slack, message("y"), soon(3_000))).rejects.toThrow(/next send allowed in/);
    expect(receiver.requests).toHaveLength(1);
  });

  it("retries 5xx, 408 and dropped connections with backoff, then delivers", async () => {
    const deliverer = setup();
    receiver.script({
      path: SLACK_PATH,
      // The stand-in records a dropped connection with its scripted status: 503 keeps it out of delivered().
      responses: [{ status: 500 }, { status: 408 }, { status: 503, dropConnection: true }],
    });
    const result = await deliverer.deliver(
      { name: "slack", url: receiver.url(SLACK_PATH), minIntervalMs: 0 },
      message("x"),
      soon(),
    );
    expect(result).toMatchObject({ delivered: true, attempts: 4 });
    expect(receiver.requests.map((r) => r.response.status)).toEqual([500, 408, 503, 200]);
    expect(receiver.delivered(SLACK_PATH)).toHaveLength(1);
    const gaps = receiver.requests
      .slice(1)
      .map((r, i) => r.receivedAt - (receiver.requests[i]?.receivedAt ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(20);
  });

  it("gives up after maxAttempts with a RetryableError naming the destination and the last answer", async () => {
    const deliverer = setup({ maxAttempts: 3 });
    receiver.script({ path: SLACK_PATH, responses: [{ status: 503 }, { status: 503 }, { status: 502 }] });
    await expect(
      deliverer.deliver(
        { name: "slack", url: receiver.url(SLACK_PATH), minIntervalMs: 0 },
        message("x"),
        soon(),
      ),
    ).rejects.toThrow(/destination slack: not delivered after 3 attempts \(last: HTTP 502 bad_gateway\)/);
    expect(receiver.requests).toHaveLength(3);
  });

  it("treats other 4xx (and redirects) as final, without retrying", async () => {
    const deliverer = setup();
    receiver.script({
      path: SLACK_PATH,
      responses: [{ status: 404 }, { status: 302, headers: { location: "/x" } }],
    });
    const slack = { name: "slack", url: receiver.url(SLACK_PATH), minIntervalMs: 0 };
    expect(await deliverer.deliver(slack, message("x"), soon())).toEqual({
      delivered: false,
      attempts: 1,
      status: 404,
      reason: "HTTP 404 no_service",
    });
    expect(await deliverer.deliver(slack, message("y"), soon())).toMatchObject({
      delivered: false,
      status: 302,
    });
    expect(receiver.requests).toHaveLength(2);
  });

  it("refuses at once when the queue ahead cannot drain before the deadline", async () => {
    const deliverer = setup();
    const slack = { name: "slack", url: receiver.url(SLACK_PATH), minIntervalMs: 400 };
    const queued = [1, 2, 3].map((n) => deliverer.deliver(slack, message(`m${n}`), soon()));
    await expect(deliverer.deliver(slack, message("late"), soon(500))).rejects.toThrow(/queued ahead/);
    await Promise.all(queued);
    expect(receiver.delivered(SLACK_PATH)).toHaveLength(3);
  });

  it("signs each attempt with that attempt's timestamp, over the exact body", async () => {
    const deliverer = setup();
    const secret = "a-webhook-secret-of-some-length";
    const body = JSON.stringify({ version: 1, note: "é ✓ <x>" });
    receiver.script({ path: "/soar", responses: [{ status: 503 }] });
    await deliverer.deliver(
      { name: "soar", url: receiver.url("/soar"), minIntervalMs: 0 },
      { body, headersFor: (now) => signWebhook(body, secret, now / 1000) },
      soon(),
    );
    expect(receiver.requests).toHaveLength(2);
    for (const request of receiver.requests) {
      expect(request.rawBody).toBe(body);
      expect(request.headers["content-type"]).toMatch(/^application\/json/);
      expect(
        verifyWebhookSignature({
          rawBody: request.rawBody,
          timestamp: request.headers["x-riposte-timestamp"],
          signature: request.headers["x-riposte-signature"],
          secret,
        }),
      ).toEqual({ ok: true });
    }
  });

  it("parses Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("2", 0)).toBe(2_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter("soon", 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
});
