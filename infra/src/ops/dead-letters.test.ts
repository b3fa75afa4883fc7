import type { PubSub } from "@google-cloud/pubsub";
import { DEFAULT_RUNTIME, type ServiceDescriptor } from "@riposte/service-kit";
import { emulatorClient, pullMessages, uniqueName } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { deriveTopology } from "../topology/derive.js";
import { applyTopology } from "../topology/provision.js";
import {
  deadLetterQueuesOf,
  REPLAY_COUNT_ATTRIBUTE,
  replay,
  replayAttributes,
  withDeadLetters,
} from "./dead-letters.js";
import { holdMessages } from "./inspect.js";

const service: ServiceDescriptor = {
  name: "pod-killer",
  description: "test",
  localPortOffset: 0,
  inputs: [{ topic: "pod-killer", path: "/", accepts: ["KillPod"] }],
  publishes: [],
  kubernetes: [],
  gcpRoles: [],
  env: z.object({}),
  runtime: DEFAULT_RUNTIME,
};

let pubsub: PubSub;
beforeAll(async () => {
  pubsub = emulatorClient(inject("pubsubEmulatorHost"), uniqueName("dlq"));
  await applyTopology(pubsub, deriveTopology([service], { endpointFor: () => "http://127.0.0.1:9/" }));
  // The input is also read by a tap, to see replays arrive.
  await pubsub.topic("pod-killer").createSubscription("pod-killer-tap");
});
afterAll(() => pubsub.close());

const deadLetter = (n: number, extra: Record<string, string> = {}) =>
  pubsub.topic("pod-killer-dead-letter").publishMessage({
    data: Buffer.from(JSON.stringify({ n })),
    attributes: {
      kind: "KillPod",
      incident: `i${n}`,
      CloudPubSubDeadLetterSourceDeliveryCount: "5",
      ...extra,
    },
  });

describe("dead letters", { timeout: 30_000 }, () => {
  it("names each input's dead-letter queue", () => {
    expect(deadLetterQueuesOf(service)).toEqual([
      { subscription: "pod-killer-dead-letter", topic: "pod-killer" },
    ]);
  });

  it("replay attributes drop Pub/Sub's bookkeeping and count replays", () => {
    expect(
      replayAttributes({
        kind: "KillPod",
        CloudPubSubDeadLetterSourceSubscription: "x",
        [REPLAY_COUNT_ATTRIBUTE]: "2",
      }),
    ).toEqual({
      kind: "KillPod",
      [REPLAY_COUNT_ATTRIBUTE]: "3",
    });
    expect(replayAttributes({})).toEqual({ [REPLAY_COUNT_ATTRIBUTE]: "1" });
  });

  it("listing leaves the messages in place; replay republishes them and empties the queue", async () => {
    await deadLetter(1);
    await deadLetter(2, { [REPLAY_COUNT_ATTRIBUTE]: "1" });
    const listed = await withDeadLetters(pubsub, service, 10, async (letters) => {
      for (const letter of letters) letter.message.release();
      return letters.map((letter) => letter.message.attributes.incident).sort();
    });
    expect(listed).toEqual(["i1", "i2"]);

    const result = await withDeadLetters(pubsub, service, 10, (letters) => replay(pubsub, letters));
    expect(result.failed).toEqual([]);
    expect(result.replayed.map((r) => r.replayCount).sort()).toEqual([1, 2]);

    const arrived = await pullMessages(pubsub, "pod-killer-tap", { count: 2, timeoutMs: 5_000 });
    expect(arrived.map((m) => m.attributes.incident).sort()).toEqual(["i1", "i2"]);
    expect(arrived.every((m) => m.attributes.CloudPubSubDeadLetterSourceDeliveryCount === undefined)).toBe(
      true,
    );

    const left = await holdMessages(pubsub, "pod-killer-dead-letter", { limit: 10 });
    expect(left.messages.map((m) => [m.id, m.attributes])).toEqual([]);
    await left.close();
  });
});
