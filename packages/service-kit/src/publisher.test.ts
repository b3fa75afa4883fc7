// The Pub/Sub publisher's timeout against a stand-in client (the emulator test covers real publishing).
import type { PubSub } from "@google-cloud/pubsub";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RetryableError } from "./errors.js";
import { createPubSubPublisher } from "./publisher.js";
import { TimeoutError } from "./timeout.js";

function standIn(publishMessage: () => Promise<string>): PubSub {
  return { topic: () => ({ publishMessage }), close: async () => {} } as unknown as PubSub;
}

describe("createPubSubPublisher", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("resolves with the message id and leaves no timer behind", async () => {
    const publisher = createPubSubPublisher({ pubsub: standIn(async () => "42"), timeoutMs: 1_000 });
    await expect(publisher.publish("alerts", { v: 1 })).resolves.toBe("42");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("gives up on a stuck publish with a retryable TimeoutError naming the topic", async () => {
    const publisher = createPubSubPublisher({
      pubsub: standIn(() => new Promise<never>(() => {})),
      timeoutMs: 1_000,
    });
    const settled = expect(publisher.publish("alerts", { v: 1 })).rejects.toSatisfy(
      (error) =>
        error instanceof TimeoutError && error.message === "publish to alerts timed out after 1000 ms",
    );
    await vi.advanceTimersByTimeAsync(1_000);
    await settled;
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a failed publish is retryable and says why", async () => {
    const publisher = createPubSubPublisher({
      pubsub: standIn(async () => Promise.reject(new Error("UNAVAILABLE"))),
      timeoutMs: 1_000,
    });
    await expect(publisher.publish("alerts", { v: 1 })).rejects.toSatisfy(
      (error) => error instanceof RetryableError && error.message === "publish to alerts failed: UNAVAILABLE",
    );
    expect(vi.getTimerCount()).toBe(0);
  });
});
