// A tiny service on service-kit behind a real push subscription on the real emulator: the ack policy
// as Pub/Sub itself sees it (ack, redelivery, dead-lettering, quarantine).
import type { PubSub } from "@google-cloud/pubsub";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { jsonMessageDecoder } from "./decode.js";
import { DEFAULT_RUNTIME, type ServiceDescriptor } from "./descriptor.js";
import { RetryableError } from "./errors.js";
import { createPushApp, pushRoute } from "./push.js";
import { type RunningService, startService } from "./service.js";
import {
  createPullSubscription,
  createPushSubscription,
  emulatorClient,
  pullMessages,
  uniqueName,
} from "./testing/index.js";

const Job = z.object({ id: z.string(), failTimes: z.number().int() });

let pubsub: PubSub;
let service: RunningService;
const attempts = new Map<string, number>();
const serviceName = uniqueName("tiny");
const topic = uniqueName("tiny-in");
const subscription = uniqueName("tiny-sub");
const quarantineSub = uniqueName("quarantine-tiny");

beforeAll(async () => {
  const host = inject("pubsubEmulatorHost");
  process.env.PUBSUB_EMULATOR_HOST = host;
  pubsub = emulatorClient(host);
  const descriptor: ServiceDescriptor = {
    name: serviceName,
    description: "test service",
    localPortOffset: 0,
    inputs: [{ topic, path: "/", accepts: ["Job"] }],
    publishes: ["quarantine"],
    kubernetes: [],
    gcpRoles: [],
    env: z.object({}),
    runtime: DEFAULT_RUNTIME,
  };
  service = await startService(
    descriptor,
    (kit) =>
      createPushApp({
        ...kit.push,
        routes: [
          pushRoute("/", jsonMessageDecoder(Job), async (job) => {
            const count = (attempts.get(job.id) ?? 0) + 1;
            attempts.set(job.id, count);
            if (count <= job.failTimes) throw new RetryableError(`attempt ${count} of ${job.id} fails`);
          }),
        ],
      }),
    {
      env: { PORT: "0", LOG_LEVEL: "silent", GOOGLE_CLOUD_PROJECT: "riposte-local" },
      exitOnSignal: false,
      exitOnStartupError: false,
    },
  );
  await createPullSubscription(pubsub, "quarantine", quarantineSub);
  await createPushSubscription(pubsub, {
    topic,
    subscription,
    endpoint: `http://127.0.0.1:${service.port}/`,
    maxDeliveryAttempts: 5,
  });
});

afterAll(async () => {
  await service?.stop();
  await pubsub?.close();
});

async function publish(data: string) {
  await pubsub.topic(topic).publishMessage({ data: Buffer.from(data) });
}

async function waitFor(predicate: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe("service-kit on the real Pub/Sub emulator", { timeout: 45_000 }, () => {
  it("acks a good message: delivered once", async () => {
    await publish(JSON.stringify({ id: "good", failTimes: 0 }));
    await waitFor(() => attempts.has("good"), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // a nack would be retried within ~1 s
    expect(attempts.get("good")).toBe(1);
  });

  it("redelivers a transient failure until it succeeds", async () => {
    await publish(JSON.stringify({ id: "flaky", failTimes: 2 }));
    await waitFor(() => (attempts.get("flaky") ?? 0) >= 3, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(attempts.get("flaky")).toBe(3);
  });

  it("dead-letters a message that keeps failing after max attempts", async () => {
    await publish(JSON.stringify({ id: "doomed", failTimes: 1_000 }));
    const [dead] = await pullMessages(pubsub, `${subscription}-dead-letter`, { count: 1, timeoutMs: 30_000 });
    expect(dead?.json()).toEqual({ id: "doomed", failTimes: 1_000 });
    expect(dead?.attributes.CloudPubSubDeadLetterSourceDeliveryCount).toBe("5");
    expect(attempts.get("doomed")).toBe(5);
  });

  it("acks a malformed message once and records it in quarantine with its reason", async () => {
    await publish('{"id": 42}');
    const records = await pullMessages(pubsub, quarantineSub, { count: 2, timeoutMs: 4_000 });
    const mine = records
      .map((r) => r.json<{ service: string; reason: { path: string }; data: string }>())
      .filter((r) => r.service === serviceName);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.reason.path).toBe("$.id");
    expect(Buffer.from(mine[0]?.data ?? "", "base64").toString()).toBe('{"id": 42}');
  });
});
