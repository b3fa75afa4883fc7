// On a real project, dead-lettering only works when the Pub/Sub service agent may publish to each
// dead-letter topic and subscribe to each source subscription. The emulator has no IAM, so this runs
// against real projects only.
import type { PubSub } from "@google-cloud/pubsub";
import type { Topology } from "./derive.js";

export interface ServiceAgentGrant {
  resource: "topic" | "subscription";
  name: string;
  role: "roles/pubsub.publisher" | "roles/pubsub.subscriber";
  member: string;
}

export function pubsubServiceAgent(projectNumber: string): string {
  return `serviceAccount:service-${projectNumber}@gcp-sa-pubsub.iam.gserviceaccount.com`;
}

export function serviceAgentGrants(topology: Topology, projectNumber: string): ServiceAgentGrant[] {
  const member = pubsubServiceAgent(projectNumber);
  return topology.subscriptions.flatMap((sub): ServiceAgentGrant[] =>
    sub.deadLetter
      ? [
          { resource: "topic", name: sub.deadLetter.topic, role: "roles/pubsub.publisher", member },
          { resource: "subscription", name: sub.name, role: "roles/pubsub.subscriber", member },
        ]
      : [],
  );
}

/** Adds the missing bindings (read-modify-write with the policy's etag); returns the grants it made. */
export async function applyServiceAgentGrants(
  pubsub: PubSub,
  grants: readonly ServiceAgentGrant[],
  options: { dryRun?: boolean } = {},
): Promise<ServiceAgentGrant[]> {
  const made: ServiceAgentGrant[] = [];
  for (const grant of grants) {
    const iam =
      grant.resource === "topic" ? pubsub.topic(grant.name).iam : pubsub.subscription(grant.name).iam;
    const [policy] = await iam.getPolicy();
    const bindings = policy.bindings ?? [];
    const binding = bindings.find((b) => b.role === grant.role);
    if (binding?.members?.includes(grant.member)) continue;
    made.push(grant);
    if (options.dryRun) continue;
    if (binding) binding.members = [...(binding.members ?? []), grant.member];
    else bindings.push({ role: grant.role, members: [grant.member] });
    await iam.setPolicy({ ...policy, bindings });
  }
  return made;
}
