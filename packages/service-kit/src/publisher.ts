// Publishing typed messages to Pub/Sub: JSON data plus attributes a subscriber can filter and a human
// can read in the console. The emulator is selected by PUBSUB_EMULATOR_HOST alone (read by the client).
import type { PubSub, Topic } from "@google-cloud/pubsub";
import { ATTRIBUTE_VALUE_MAX_BYTES, truncateUtf8 } from "@riposte/contracts";
import { errorMessage, RetryableError } from "./errors.js";
import { withTimeout } from "./timeout.js";
import { attributesWithContext } from "./tracing/context.js";

export interface PublishedMessage {
  topic: string;
  message: unknown;
  attributes: Record<string, string>;
}

export interface Publisher {
  /** Publishes `message` as JSON; resolves with the message id. Failures are RetryableError. */
  publish(topic: string, message: unknown, attributes?: Readonly<Record<string, string>>): Promise<string>;
  /** Flushes pending batches and releases the clients. */
  close(): Promise<void>;
}

export interface PubSubPublisherOptions {
  pubsub: PubSub;
  /** Give up on one publish after this long and let Pub/Sub redeliver the input (default 10 s). */
  timeoutMs?: number;
  /** Batching: a responder favours latency, so batches close quickly. */
  batching?: { maxMessages?: number; maxMilliseconds?: number; maxBytes?: number };
  /**
   * End the client's own retries before `timeoutMs` (its default keeps retrying for 10 minutes after
   * we gave up), so a publish reported failed does not land later — only one whose answer alone was
   * lost can. For a caller that hands a failed publish to someone else to redo (the console's
   * scheduled call), where a late landing would be a second command.
   */
  endRetriesBeforeTimeout?: boolean;
}

/** What the client's retries leave of `timeoutMs`: its last attempt settles before our timeout fires. */
const RETRY_END_MARGIN_MS = 1_000;

export const DEFAULT_PUBLISHER_OPTIONS = {
  // Below the push ack deadline (default 30 s), so a stuck publish turns into a 503, not a duplicate push.
  timeoutMs: 10_000,
  batching: {
    // Alerts come in bursts; 100 per batch keeps storms cheap without waiting for stragglers.
    maxMessages: 100,
    // 1 ms still coalesces a burst (everything published in the same turn of the event loop) but adds
    // almost nothing to a lone alert's hop. Measured (bench/findings.md): with 5 ms one publish took
    // ≈ 6–10 ms, and a storm (the emulator pushes two messages at a time) went ≈ 1.45× slower.
    maxMilliseconds: 1,
    // Pub/Sub's request limit is 10 MB; stay well under it.
    maxBytes: 4 * 1024 * 1024,
  },
} as const;

const MAX_ATTRIBUTES = 100;

/** Clamps attributes to Pub/Sub's limits (≤ 100 keys, values ≤ 1024 bytes) without splitting a character. */
export function clampAttributes(attributes: Readonly<Record<string, string>>): Record<string, string> {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(attributes)) {
    if (out.length >= MAX_ATTRIBUTES) break;
    out.push([key, truncateUtf8(value, ATTRIBUTE_VALUE_MAX_BYTES)]);
  }
  return Object.fromEntries(out);
}

export function createPubSubPublisher(options: PubSubPublisherOptions): Publisher {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PUBLISHER_OPTIONS.timeoutMs;
  const batching = { ...DEFAULT_PUBLISHER_OPTIONS.batching, ...options.batching };
  const topics = new Map<string, Topic>();

  const gaxOpts = options.endRetriesBeforeTimeout
    ? { gaxOpts: { timeout: Math.max(500, timeoutMs - RETRY_END_MARGIN_MS) } }
    : {};

  const topicFor = (name: string): Topic => {
    let topic = topics.get(name);
    if (!topic) {
      topic = options.pubsub.topic(name, { batching, ...gaxOpts });
      topics.set(name, topic);
    }
    return topic;
  };

  return {
    async publish(topicName, message, attributes = {}) {
      const data = Buffer.from(JSON.stringify(message));
      // The active trace context travels with the message: the next service continues the same trace.
      // A batched publish cannot be called back: past the timeout it may still land (see DEFAULT_PUSH_OPTIONS).
      const publishing = topicFor(topicName).publishMessage({
        data,
        attributes: clampAttributes(attributesWithContext(attributes)),
      });
      try {
        return await withTimeout(() => publishing, { what: `publish to ${topicName}`, timeoutMs });
      } catch (error) {
        if (error instanceof RetryableError) throw error;
        throw new RetryableError(`publish to ${topicName} failed: ${errorMessage(error)}`, { cause: error });
      }
    },
    async close() {
      await Promise.allSettled([...topics.values()].map((topic) => topic.flush()));
      await options.pubsub.close();
    },
  };
}

/** An in-process publisher for `app.request` tests: records what would have been published. */
export interface MemoryPublisher extends Publisher {
  readonly published: PublishedMessage[];
  /** Makes the next `count` publishes fail as a broken Pub/Sub would. */
  failNext(count: number): void;
  on(topic: string): PublishedMessage[];
}

export function createMemoryPublisher(): MemoryPublisher {
  const published: PublishedMessage[] = [];
  let failures = 0;
  let nextId = 1;
  return {
    published,
    failNext(count) {
      failures = count;
    },
    on(topic) {
      return published.filter((entry) => entry.topic === topic);
    },
    async publish(topic, message, attributes = {}) {
      if (failures > 0) {
        failures -= 1;
        throw new RetryableError(`publish to ${topic} failed: injected failure`);
      }
      // Round-trip through JSON so tests see exactly what a subscriber would, trace context included.
      published.push({
        topic,
        message: JSON.parse(JSON.stringify(message)),
        attributes: clampAttributes(attributesWithContext(attributes)),
      });
      return String(nextId++);
    },
    async close() {},
  };
}
