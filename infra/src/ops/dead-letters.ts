// Dead letters of a service: what its push subscriptions gave up on after max delivery attempts.
// Replaying republishes each to the service's input topic with its attributes and a replay count.
import type { PubSub } from "@google-cloud/pubsub";
import { deadLetterTopicOf } from "@riposte/contracts";
import { type ServiceDescriptor, subscriptionNameFor } from "@riposte/service-kit";
import { type HeldMessage, holdMessages } from "./inspect.js";

export const REPLAY_COUNT_ATTRIBUTE = "riposte_replay_count";
const DEAD_LETTER_PREFIX = "CloudPubSubDeadLetter";

export interface DeadLetter {
  subscription: string;
  topic: string;
  message: HeldMessage;
}

export interface ReplayResult {
  replayed: { id: string; newId: string; topic: string; replayCount: number }[];
  failed: { id: string; error: string }[];
}

/** The dead-letter subscriptions of a service, with the input topic each one's messages came from. */
export function deadLetterQueuesOf(descriptor: ServiceDescriptor): { subscription: string; topic: string }[] {
  return descriptor.inputs.map((input) => ({
    subscription: deadLetterTopicOf(subscriptionNameFor(descriptor, input)),
    topic: input.topic,
  }));
}

/** What to publish when replaying: the original attributes without Pub/Sub's dead-letter bookkeeping. */
export function replayAttributes(attributes: Readonly<Record<string, string>>): Record<string, string> {
  const kept = Object.fromEntries(
    Object.entries(attributes).filter(([key]) => !key.startsWith(DEAD_LETTER_PREFIX)),
  );
  const previous = Number(attributes[REPLAY_COUNT_ATTRIBUTE] ?? 0);
  return { ...kept, [REPLAY_COUNT_ATTRIBUTE]: String(Number.isFinite(previous) ? previous + 1 : 1) };
}

export async function withDeadLetters<T>(
  pubsub: PubSub,
  descriptor: ServiceDescriptor,
  limit: number,
  use: (letters: DeadLetter[]) => Promise<T>,
): Promise<T> {
  const holdings = [];
  const letters: DeadLetter[] = [];
  try {
    for (const queue of deadLetterQueuesOf(descriptor)) {
      const holding = await holdMessages(pubsub, queue.subscription, {
        limit: limit - letters.length,
        holdSeconds: 60,
      });
      holdings.push(holding);
      letters.push(...holding.messages.map((message) => ({ ...queue, message })));
      if (letters.length >= limit) break;
    }
    return await use(letters);
  } finally {
    for (const holding of holdings) await holding.close();
  }
}

/** Republishes each held dead letter to its input topic, then removes it; failures stay in the queue. */
export async function replay(pubsub: PubSub, letters: DeadLetter[]): Promise<ReplayResult> {
  const result: ReplayResult = { replayed: [], failed: [] };
  for (const letter of letters) {
    const attributes = replayAttributes(letter.message.attributes);
    try {
      const newId = await pubsub
        .topic(letter.topic)
        .publishMessage({ data: letter.message.data, attributes });
      letter.message.remove();
      result.replayed.push({
        id: letter.message.id,
        newId,
        topic: letter.topic,
        replayCount: Number(attributes[REPLAY_COUNT_ATTRIBUTE]),
      });
    } catch (error) {
      letter.message.release();
      result.failed.push({ id: letter.message.id, error: (error as Error).message });
    }
  }
  return result;
}
