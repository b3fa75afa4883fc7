// Creating the topology idempotently with the Pub/Sub admin API: the same code against the emulator
// and a real project. `planTopology` reads what exists and lists changes; `applyTopology` makes them.
import type { PubSub } from "@google-cloud/pubsub";
import type { SubscriptionSpec, Topology } from "./derive.js";

export type TopologyChange =
  | { kind: "create-topic"; topic: string }
  | { kind: "create-subscription"; subscription: SubscriptionSpec }
  | { kind: "update-subscription"; subscription: SubscriptionSpec; fields: FieldChange[] }
  | { kind: "conflict"; subscription: SubscriptionSpec; problem: string };

export interface FieldChange {
  field: "pushConfig" | "ackDeadlineSeconds" | "retryPolicy" | "deadLetterPolicy";
  from: string;
  to: string;
}

interface Duration {
  seconds?: string | number | null;
  nanos?: number | null;
}

interface SubscriptionMetadata {
  topic?: string | null;
  ackDeadlineSeconds?: number | null;
  pushConfig?: {
    pushEndpoint?: string | null;
    oidcToken?: { serviceAccountEmail?: string | null; audience?: string | null } | null;
  } | null;
  retryPolicy?: { minimumBackoff?: Duration | null; maximumBackoff?: Duration | null } | null;
  deadLetterPolicy?: { deadLetterTopic?: string | null; maxDeliveryAttempts?: number | null } | null;
}

const seconds = (duration: Duration | null | undefined) =>
  Number(duration?.seconds ?? 0) + (duration?.nanos ?? 0) / 1e9;

export function describeChange(change: TopologyChange): string {
  switch (change.kind) {
    case "create-topic":
      return `+ topic ${change.topic}`;
    case "create-subscription": {
      const sub = change.subscription;
      const how = sub.push ? `push → ${sub.push.endpoint}` : "pull";
      const dl = sub.deadLetter
        ? `, dead-letter → ${sub.deadLetter.topic} after ${sub.deadLetter.maxDeliveryAttempts}`
        : "";
      return `+ subscription ${sub.name} on ${sub.topic} (${how}${dl})`;
    }
    case "update-subscription":
      return `~ subscription ${change.subscription.name}: ${change.fields.map((f) => `${f.field} ${f.from} → ${f.to}`).join("; ")}`;
    case "conflict":
      return `! subscription ${change.subscription.name}: ${change.problem}`;
  }
}

function wantedPush(spec: SubscriptionSpec) {
  return {
    pushEndpoint: spec.push?.endpoint ?? "",
    ...(spec.push?.oidcServiceAccount
      ? {
          oidcToken: {
            serviceAccountEmail: spec.push.oidcServiceAccount,
            audience: spec.push.audience ?? spec.push.endpoint,
          },
        }
      : {}),
  };
}

function diffSubscription(
  pubsub: PubSub,
  spec: SubscriptionSpec,
  current: SubscriptionMetadata,
): FieldChange[] {
  const changes: FieldChange[] = [];
  const push = wantedPush(spec);
  const currentPush = `${current.pushConfig?.pushEndpoint || "(pull)"}${current.pushConfig?.oidcToken?.serviceAccountEmail ? ` as ${current.pushConfig.oidcToken.serviceAccountEmail}` : ""}`;
  const wanted = `${push.pushEndpoint || "(pull)"}${push.oidcToken ? ` as ${push.oidcToken.serviceAccountEmail}` : ""}`;
  if (currentPush !== wanted) changes.push({ field: "pushConfig", from: currentPush, to: wanted });

  if ((current.ackDeadlineSeconds ?? 10) !== spec.ackDeadlineSeconds) {
    changes.push({
      field: "ackDeadlineSeconds",
      from: String(current.ackDeadlineSeconds ?? 10),
      to: String(spec.ackDeadlineSeconds),
    });
  }

  const currentRetry = current.retryPolicy
    ? `${seconds(current.retryPolicy.minimumBackoff)}s..${seconds(current.retryPolicy.maximumBackoff)}s`
    : "none";
  const wantedRetry = spec.retryPolicy
    ? `${spec.retryPolicy.minimumBackoffSeconds}s..${spec.retryPolicy.maximumBackoffSeconds}s`
    : "none";
  if (currentRetry !== wantedRetry)
    changes.push({ field: "retryPolicy", from: currentRetry, to: wantedRetry });

  const currentDl = current.deadLetterPolicy?.deadLetterTopic
    ? `${current.deadLetterPolicy.deadLetterTopic} after ${current.deadLetterPolicy.maxDeliveryAttempts}`
    : "none";
  const wantedDl = spec.deadLetter
    ? `${pubsub.topic(spec.deadLetter.topic).name} after ${spec.deadLetter.maxDeliveryAttempts}`
    : "none";
  if (currentDl !== wantedDl) changes.push({ field: "deadLetterPolicy", from: currentDl, to: wantedDl });
  return changes;
}

export async function planTopology(pubsub: PubSub, topology: Topology): Promise<TopologyChange[]> {
  const [existingTopics] = await pubsub.getTopics();
  const topicNames = new Set(existingTopics.map((topic) => topic.name));
  const changes: TopologyChange[] = [];
  for (const topic of topology.topics) {
    if (!topicNames.has(pubsub.topic(topic.name).name))
      changes.push({ kind: "create-topic", topic: topic.name });
  }
  for (const spec of topology.subscriptions) {
    const subscription = pubsub.subscription(spec.name);
    const [exists] = await subscription.exists();
    if (!exists) {
      changes.push({ kind: "create-subscription", subscription: spec });
      continue;
    }
    const [metadata] = (await subscription.getMetadata()) as unknown as [SubscriptionMetadata];
    if (metadata.topic !== pubsub.topic(spec.topic).name) {
      changes.push({
        kind: "conflict",
        subscription: spec,
        problem: `reads ${metadata.topic} but should read ${spec.topic}; a subscription's topic cannot change — delete it and apply again`,
      });
      continue;
    }
    const fields = diffSubscription(pubsub, spec, metadata);
    if (fields.length > 0) changes.push({ kind: "update-subscription", subscription: spec, fields });
  }
  return changes;
}

function subscriptionOptions(pubsub: PubSub, spec: SubscriptionSpec) {
  return {
    pushConfig: wantedPush(spec),
    ackDeadlineSeconds: spec.ackDeadlineSeconds,
    retryPolicy: spec.retryPolicy
      ? {
          minimumBackoff: { seconds: spec.retryPolicy.minimumBackoffSeconds },
          maximumBackoff: { seconds: spec.retryPolicy.maximumBackoffSeconds },
        }
      : null,
    deadLetterPolicy: spec.deadLetter
      ? {
          deadLetterTopic: pubsub.topic(spec.deadLetter.topic).name,
          maxDeliveryAttempts: spec.deadLetter.maxDeliveryAttempts,
        }
      : null,
  };
}

/** Applies the planned changes (topics first, so subscriptions and dead-letter policies can refer to them). */
export async function applyTopology(pubsub: PubSub, topology: Topology): Promise<TopologyChange[]> {
  const changes = await planTopology(pubsub, topology);
  const conflicts = changes.filter((change) => change.kind === "conflict");
  if (conflicts.length > 0)
    throw new Error(`cannot apply the topology:\n${conflicts.map(describeChange).join("\n")}`);
  for (const change of changes) {
    if (change.kind === "create-topic") await ignoreAlreadyExists(pubsub.topic(change.topic).create());
  }
  for (const change of changes) {
    if (change.kind === "create-subscription") {
      const spec = change.subscription;
      const { pushConfig, ackDeadlineSeconds, retryPolicy, deadLetterPolicy } = subscriptionOptions(
        pubsub,
        spec,
      );
      await ignoreAlreadyExists(
        pubsub.topic(spec.topic).createSubscription(spec.name, {
          ...(spec.push ? { pushConfig } : {}),
          ackDeadlineSeconds,
          ...(retryPolicy ? { retryPolicy } : {}),
          ...(deadLetterPolicy ? { deadLetterPolicy } : {}),
        }),
      );
    } else if (change.kind === "update-subscription") {
      const options = subscriptionOptions(pubsub, change.subscription);
      // Send only what changed: setMetadata's update mask is the set of top-level keys passed.
      const patch = Object.fromEntries(change.fields.map(({ field }) => [field, options[field]]));
      await pubsub.subscription(change.subscription.name).setMetadata(patch);
    }
  }
  return changes;
}

async function ignoreAlreadyExists(operation: Promise<unknown>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    // 6 = ALREADY_EXISTS: another apply got there first, which is the state we wanted.
    if ((error as { code?: number }).code !== 6) throw error;
  }
}
