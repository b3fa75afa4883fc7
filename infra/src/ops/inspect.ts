// Reading what Riposte set aside without losing it: dead-lettered messages and quarantine records are
// pulled synchronously (unary Pull), shown, and released back (ack deadline 0) unless replayed.
import { type PubSub, v1 } from "@google-cloud/pubsub";

export interface HeldMessage {
  id: string;
  publishTime: string;
  attributes: Record<string, string>;
  data: Buffer;
  /** Gives the message back to the subscription: it stays there. */
  release(): void;
  /** Acknowledges it: gone from the subscription (after a successful replay). */
  remove(): void;
}

export interface Holding {
  messages: HeldMessage[];
  /** Sends the acks and releases, and closes the client. */
  close(): Promise<void>;
}

interface ReceivedMessage {
  ackId?: string | null;
  message?: {
    messageId?: string | null;
    publishTime?: unknown;
    attributes?: Record<string, string> | null;
    data?: Uint8Array | string | null;
  } | null;
}

interface Timestamp {
  seconds?: number | string | { toString(): string } | null;
  nanos?: number | null;
}

function isoOf(time: Timestamp | null | undefined): string {
  const seconds = Number(time?.seconds?.toString() ?? 0);
  return new Date(seconds * 1000 + Math.floor((time?.nanos ?? 0) / 1e6)).toISOString();
}

/** Pulls up to `limit` messages and holds them (with a long ack deadline) until released or removed. */
export async function holdMessages(
  pubsub: PubSub,
  subscription: string,
  options: { limit: number; holdSeconds?: number },
): Promise<Holding> {
  const name = pubsub.subscription(subscription).name;
  const [exists] = await pubsub.subscription(subscription).exists();
  if (!exists) throw new Error(`subscription ${subscription} does not exist (apply the topology first)`);
  // Unary pull: an operator's tool wants "what is there now", acked or released explicitly.
  const { port, ...clientOptions } = pubsub.options;
  const client = new v1.SubscriberClient({
    ...clientOptions,
    ...(port === undefined ? {} : { port: Number(port) }),
  });
  const removed = new Set<string>();
  const ackIds: string[] = [];
  const messages: HeldMessage[] = [];
  // The emulator answers a pull with what is ready; a few pulls collect a backlog up to the limit.
  for (let round = 0; round < 5 && messages.length < options.limit; round += 1) {
    let received: ReceivedMessage[] = [];
    try {
      // A pull waits for messages; when none come within the call's deadline the queue is empty.
      const [response] = await client.pull(
        { subscription: name, maxMessages: options.limit - messages.length },
        { timeout: round === 0 ? 5_000 : 1_500, retry: null },
      );
      received = (response.receivedMessages ?? []) as ReceivedMessage[];
    } catch (error) {
      if ((error as { code?: number }).code !== 4) throw error; // 4 = DEADLINE_EXCEEDED: nothing (more) there
    }
    if (received.length === 0) break;
    if (options.holdSeconds) {
      await client.modifyAckDeadline({
        subscription: name,
        ackIds: received.map((r) => r.ackId ?? ""),
        ackDeadlineSeconds: options.holdSeconds,
      });
    }
    for (const { ackId, message } of received) {
      if (!ackId || !message) continue;
      ackIds.push(ackId);
      messages.push({
        id: message.messageId ?? "",
        publishTime: isoOf(message.publishTime as Timestamp),
        attributes: { ...(message.attributes ?? {}) },
        data: Buffer.from(message.data ?? new Uint8Array()),
        release: () => removed.delete(ackId),
        remove: () => removed.add(ackId),
      });
    }
  }
  return {
    messages,
    async close() {
      try {
        if (removed.size > 0) await client.acknowledge({ subscription: name, ackIds: [...removed] });
        // Everything not removed goes back at once: nothing is lost by looking.
        const release = ackIds.filter((id) => !removed.has(id));
        if (release.length > 0)
          await client.modifyAckDeadline({ subscription: name, ackIds: release, ackDeadlineSeconds: 0 });
      } finally {
        await client.close();
      }
    },
  };
}
