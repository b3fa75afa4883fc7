// What a dead-lettered message looks like on the real emulator: the notifier's /dead-letters input
// relies on it (original data and attributes kept, the source subscription and delivery count added).
import { emulatorClient, pullMessages, uniqueName } from "@riposte/service-kit/testing";
import { describe, expect, inject, it } from "vitest";

describe("dead-letter forwarding on the emulator", { timeout: 60_000 }, () => {
  it("keeps the data and attributes, and adds the source subscription and delivery count", async () => {
    const pubsub = emulatorClient(inject("pubsubEmulatorHost"), uniqueName("dead-letters"));
    try {
      const [topic] = await pubsub.createTopic("commands");
      const [deadLetters] = await pubsub.createTopic("commands-dead-letter");
      await deadLetters.createSubscription("commands-dead-letter");
      // Port 9 (discard): nobody answers, every push fails at once.
      await topic.createSubscription("commands", {
        pushConfig: { pushEndpoint: "http://127.0.0.1:9/" },
        deadLetterPolicy: { deadLetterTopic: deadLetters.name, maxDeliveryAttempts: 5 },
      });
      await topic.publishMessage({
        data: Buffer.from('{"kind":"KillPod"}'),
        attributes: { incident: "abc" },
      });
      const [dead] = await pullMessages(pubsub, "commands-dead-letter", { count: 1, timeoutMs: 45_000 });
      expect(dead?.data.toString()).toBe('{"kind":"KillPod"}');
      expect(dead?.attributes).toMatchObject({
        incident: "abc",
        CloudPubSubDeadLetterSourceSubscription: "commands",
        CloudPubSubDeadLetterSourceDeliveryCount: "5",
        CloudPubSubDeadLetterSourceSubscriptionProject: expect.any(String),
        CloudPubSubDeadLetterSourceTopicPublishTime: expect.any(String),
      });
    } finally {
      await pubsub.close();
    }
  });
});
