// Test-side Pub/Sub helpers over the real emulator: unique names, push subscriptions with
// dead-letter policies, and pulling what arrived.
import { randomBytes } from "node:crypto";
import { type Message, PubSub } from "@google-cloud/pubsub";

export function emulatorClient(host: string, projectId = "riposte-local"): PubSub {
  return new PubSub({ projectId, apiEndpoint: host, emulatorMode: true });
}

/** A name unique to this test run, so tests sharing one emulator never collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

export async function ensureTopic(pubsub: PubSub, name: string): Promise<void> {
  const topic = pubsub.topic(name);
  const [exists] = await topic.exists();
  if (!exists) await topic.create();
}

export interface PushSubscriptionSpec {
  topic: string;
  subscription: string;
  endpoint: string;
  ackDeadlineSeconds?: number;
  /** When set, a dead-letter topic `<subscription>-dead-letter` with a pull subscription is created. */
  maxDeliveryAttempts?: number;
  minimumBackoffSeconds?: number;
  maximumBackoffSeconds?: number;
}

export async function createPushSubscription(
  pubsub: PubSub,
  spec: PushSubscriptionSpec,
): Promise<{ deadLetter?: string }> {
  await ensureTopic(pubsub, spec.topic);
  let deadLetter: string | undefined;
  if (spec.maxDeliveryAttempts !== undefined) {
    deadLetter = `${spec.subscription}-dead-letter`;
    await ensureTopic(pubsub, deadLetter);
    await createPullSubscription(pubsub, deadLetter, deadLetter);
  }
  await pubsub.topic(spec.topic).createSubscription(spec.subscription, {
    pushConfig: { pushEndpoint: spec.endpoint },
    ackDeadlineSeconds: spec.ackDeadlineSeconds ?? 10,
    ...(spec.minimumBackoffSeconds !== undefined
      ? {
          retryPolicy: {
            minimumBackoff: { seconds: spec.minimumBackoffSeconds },
            maximumBackoff: { seconds: spec.maximumBackoffSeconds ?? spec.minimumBackoffSeconds },
          },
        }
      : {}),
    ...(deadLetter
      ? {
          deadLetterPolicy: {
            deadLetterTopic: pubsub.topic(deadLetter).name,
            maxDeliveryAttempts: spec.maxDeliveryAttempts,
          },
        }
      : {}),
  });
  return deadLetter ? { deadLetter } : {};
}

export async function createPullSubscription(
  pubsub: PubSub,
  topic: string,
  subscription: string,
): Promise<void> {
  await ensureTopic(pubsub, topic);
  const [exists] = await pubsub.subscription(subscription).exists();
  if (!exists) await pubsub.topic(topic).createSubscription(subscription);
}

export interface PulledMessage {
  data: Buffer;
  attributes: Record<string, string>;
  id: string;
  json<T = unknown>(): T;
}

/**
 * Receives messages from a pull subscription until `count` arrived or `timeoutMs` passed, acking each.
 * Returns what arrived (possibly fewer than `count`; tests assert on it).
 */
export async function pullMessages(
  pubsub: PubSub,
  subscription: string,
  options: { count?: number; timeoutMs?: number } = {},
): Promise<PulledMessage[]> {
  const count = options.count ?? 1;
  const received: PulledMessage[] = [];
  const sub = pubsub.subscription(subscription, { flowControl: { maxMessages: 1000 } });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(finish, options.timeoutMs ?? 10_000);
    function finish() {
      clearTimeout(timer);
      sub.removeListener("message", onMessage);
      resolve();
    }
    function onMessage(message: Message) {
      message.ack();
      received.push({
        data: message.data,
        attributes: { ...message.attributes },
        id: message.id,
        json: () => JSON.parse(message.data.toString()),
      });
      if (received.length >= count) finish();
    }
    sub.on("message", onMessage);
    sub.on("error", () => finish());
  });
  await sub.close();
  return received;
}
