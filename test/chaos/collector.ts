// Reads, for the whole run, every message that ends an (alert, action) pair: outcomes on
// action-outcomes, messages in every dead-letter topic, and quarantine records. Each stream gets a
// streaming-pull subscription of its own (created before the first alert, so nothing is missed) and
// every message is acked on receipt and handed over once (redelivered copies are dropped by id);
// the caller keeps what it needs, so long runs do not hold every message's bytes.
import type { Message, PubSub, Subscription } from "@google-cloud/pubsub";

export interface CollectedMessage {
  /** The topic the collector read it from. */
  topic: string;
  id: string;
  data: Buffer;
  attributes: Record<string, string>;
  receivedAt: number;
}

export interface Collector {
  /** Messages received per topic. */
  readonly counts: ReadonlyMap<string, number>;
  /** When the last new message arrived (Date.now()), on any topic. */
  readonly lastArrivalAt: number;
  readonly total: number;
  close(): Promise<void>;
}

/** Subscribes to each topic (subscription `<prefix>-<topic>`) and collects until `close()`. */
export async function startCollector(
  pubsub: PubSub,
  topics: readonly string[],
  onMessage: (message: CollectedMessage) => void,
  options: { prefix?: string } = {},
): Promise<Collector> {
  const prefix = options.prefix ?? "chaos";
  const counts = new Map<string, number>();
  const seen = new Set<string>();
  const subscriptions: Subscription[] = [];
  let lastArrivalAt = Date.now();
  let total = 0;
  const errors: Error[] = [];

  for (const topic of topics) {
    const name = `${prefix}-${topic}`;
    await pubsub.topic(topic).createSubscription(name, { ackDeadlineSeconds: 60 });
    counts.set(topic, 0);
    const subscription = pubsub.subscription(name, {
      flowControl: { maxMessages: 2_000, allowExcessMessages: true },
    });
    subscription.on("message", (message: Message) => {
      message.ack();
      const key = `${topic}|${message.id}`;
      if (seen.has(key)) return;
      seen.add(key);
      const collected: CollectedMessage = {
        topic,
        id: message.id,
        data: message.data,
        attributes: { ...message.attributes },
        receivedAt: Date.now(),
      };
      counts.set(topic, (counts.get(topic) ?? 0) + 1);
      total += 1;
      lastArrivalAt = collected.receivedAt;
      onMessage(collected);
    });
    subscription.on("error", (error: Error) => errors.push(error));
    subscriptions.push(subscription);
  }

  return {
    counts,
    get lastArrivalAt() {
      return lastArrivalAt;
    },
    get total() {
      return total;
    },
    async close() {
      await Promise.all(subscriptions.map((subscription) => subscription.close()));
      if (errors.length > 0) {
        throw new Error(`the collector lost its subscription: ${errors.map((e) => e.message).join("; ")}`);
      }
    },
  };
}
