// The Pub/Sub topology, derived from the service descriptors — never a second hand-written list.
import { deadLetterTopicOf, Topics } from "@riposte/contracts";
import { type PushInput, type ServiceDescriptor, subscriptionNameFor } from "@riposte/service-kit";

export interface TopicSpec {
  name: string;
  purpose: string;
}

export interface SubscriptionSpec {
  name: string;
  topic: string;
  purpose: string;
  ackDeadlineSeconds: number;
  push?: {
    endpoint: string;
    /** Pub/Sub signs pushes as this account (real projects); the service verifies the token. */
    oidcServiceAccount?: string;
    audience?: string;
  };
  retryPolicy?: { minimumBackoffSeconds: number; maximumBackoffSeconds: number };
  deadLetter?: { topic: string; maxDeliveryAttempts: number };
}

export interface Topology {
  topics: TopicSpec[];
  subscriptions: SubscriptionSpec[];
}

export interface TopologyOptions {
  /** The push endpoint URL of one input of a service. */
  endpointFor(service: string, input: PushInput): string;
  /** Service account Pub/Sub uses to sign push requests (real projects). */
  pushServiceAccount?: string;
}

export function deriveTopology(services: readonly ServiceDescriptor[], options: TopologyOptions): Topology {
  const topics = new Map<string, TopicSpec>();
  const subscriptions: SubscriptionSpec[] = [];
  const addTopic = (name: string, purpose: string) => {
    if (!topics.has(name)) topics.set(name, { name, purpose });
  };

  addTopic(Topics.falcoEvents, "Falco alerts, published by falcosidekick");
  addTopic(Topics.quarantine, "messages no service could accept, with the reason");
  subscriptions.push({
    name: Topics.quarantine,
    topic: Topics.quarantine,
    purpose: "read quarantined messages (riposte quarantine list)",
    ackDeadlineSeconds: 60,
  });

  const consumed = new Set<string>();
  for (const service of services) {
    for (const topic of service.publishes) addTopic(topic, `published by ${service.name}`);
    for (const input of service.inputs) {
      consumed.add(input.topic);
      addTopic(input.topic, `input of ${service.name}`);
      const name = subscriptionNameFor(service, input);
      const deadLetterTopic = deadLetterTopicOf(name);
      // Each service says how long its retries must last (its descriptor's runtime.redelivery).
      const { minimumBackoffSeconds, maximumBackoffSeconds, maxDeliveryAttempts } =
        service.runtime.redelivery;
      addTopic(deadLetterTopic, `messages ${service.name} failed ${maxDeliveryAttempts} times`);
      subscriptions.push({
        name,
        topic: input.topic,
        purpose: `push to ${service.name} ${input.path}`,
        ackDeadlineSeconds: service.runtime.ackDeadlineSeconds,
        push: {
          endpoint: options.endpointFor(service.name, input),
          ...(options.pushServiceAccount
            ? {
                oidcServiceAccount: options.pushServiceAccount,
                audience: options.endpointFor(service.name, input),
              }
            : {}),
        },
        retryPolicy: { minimumBackoffSeconds, maximumBackoffSeconds },
        deadLetter: { topic: deadLetterTopic, maxDeliveryAttempts },
      });
      subscriptions.push({
        name: deadLetterTopic,
        topic: deadLetterTopic,
        purpose: `inspect and replay ${service.name}'s dead letters (riposte dlq)`,
        ackDeadlineSeconds: 60,
      });
    }
  }

  subscriptions.push(...deadLetterAnnouncements(services, options));

  // A topic someone publishes to but no service reads yet: park its messages in a pull subscription of
  // the same name, so they accumulate visibly instead of vanishing.
  for (const topic of topics.keys()) {
    if (consumed.has(topic) || topic === Topics.quarantine || topic.endsWith("-dead-letter")) continue;
    if (subscriptions.some((sub) => sub.name === topic)) continue;
    subscriptions.push({
      name: topic,
      topic,
      purpose: "no service reads this topic yet: messages wait here",
      ackDeadlineSeconds: 60,
    });
  }

  return { topics: [...topics.values()], subscriptions };
}

/**
 * A push subscription on each dead-letter topic a service asked for (its descriptor's deadLetterInput:
 * the inputs, of any service, accepting one of those kinds), named `<service>-<dead-letter topic>`.
 * It has the receiver's retry policy and NO dead-letter policy of its own: a dead letter whose
 * announcement fails cannot dead-letter again into something announced (no loop); the receiver
 * decides when to give up. The pull subscription of the same topic (`riposte dlq`) is untouched.
 */
function deadLetterAnnouncements(
  services: readonly ServiceDescriptor[],
  options: TopologyOptions,
): SubscriptionSpec[] {
  return services.flatMap((receiver) => {
    const wanted = receiver.deadLetterInput;
    if (!wanted) return [];
    const { minimumBackoffSeconds, maximumBackoffSeconds } = receiver.runtime.redelivery;
    return services.flatMap((source) =>
      source.inputs
        .filter((input) => input.accepts.some((kind) => wanted.of.includes(kind)))
        .map((input): SubscriptionSpec => {
          const topic = deadLetterTopicOf(subscriptionNameFor(source, input));
          const endpoint = options.endpointFor(receiver.name, {
            topic,
            path: wanted.path,
            accepts: wanted.of,
          });
          return {
            name: `${receiver.name}-${topic}`,
            topic,
            purpose: `push ${source.name}'s dead letters to ${receiver.name} ${wanted.path}`,
            ackDeadlineSeconds: receiver.runtime.ackDeadlineSeconds,
            push: {
              endpoint,
              ...(options.pushServiceAccount
                ? { oidcServiceAccount: options.pushServiceAccount, audience: endpoint }
                : {}),
            },
            retryPolicy: { minimumBackoffSeconds, maximumBackoffSeconds },
          };
        }),
    );
  });
}
