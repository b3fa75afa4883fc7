// The topology as an operator reads it: each topic with what it is for, under it the subscriptions
// that read it — push endpoint, ack deadline, retries and dead-letter queue, or pull and why.
import type { SubscriptionSpec, Topology } from "./derive.js";

export function describeTopology(topology: Topology): string[] {
  return topology.topics.flatMap((topic) => [
    `topic ${topic.name}: ${topic.purpose}`,
    ...topology.subscriptions
      .filter((subscription) => subscription.topic === topic.name)
      .map((subscription) => `  ${describeSubscription(subscription)}`),
  ]);
}

function describeSubscription(subscription: SubscriptionSpec): string {
  if (!subscription.push) return `pull ${subscription.name}: ${subscription.purpose}`;
  const settings = [`ack ${subscription.ackDeadlineSeconds} s`];
  if (subscription.retryPolicy) {
    const { minimumBackoffSeconds, maximumBackoffSeconds } = subscription.retryPolicy;
    settings.push(`retry ${minimumBackoffSeconds}–${maximumBackoffSeconds} s`);
  }
  settings.push(
    subscription.deadLetter
      ? `dead-letter → ${subscription.deadLetter.topic} after ${subscription.deadLetter.maxDeliveryAttempts} attempts`
      : "no dead-letter queue",
  );
  if (subscription.push.oidcServiceAccount)
    settings.push(`signed as ${subscription.push.oidcServiceAccount}`);
  return `push ${subscription.name} → ${subscription.push.endpoint} (${settings.join("; ")})`;
}
