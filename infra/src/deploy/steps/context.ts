// What every step of the deploy plan is given: the values deployPlan computes once from the
// descriptors and the options, so that each step only turns them into commands.
import type { ServiceDescriptor } from "@riposte/service-kit";
import type { SubscriptionSpec, TopicSpec } from "../../topology/derive.js";
import type { FileDigest, Flag, PlanTodo } from "../commands.js";
import type { DeployOptions } from "../plan.js";
import type { GkeCluster } from "../preflight.js";

export class DeployPlanError extends Error {
  override readonly name = "DeployPlanError";
}

/** `--playbooks FILE`, checked: the file to store and what the router gets to mount the stored version. */
export interface CheckedPlaybooks {
  file: FileDigest;
  settings: { secret: string; env: Record<string, string> };
}

export interface PlanContext {
  options: DeployOptions;
  project: string;
  region: string;
  projectFlag: Flag;
  /** The services this plan deploys, in descriptor order. */
  selected: readonly ServiceDescriptor[];
  /** Every service is deployed: the plan also creates what no one service owns (all topics, falcosidekick). */
  whole: boolean;
  playbooks: CheckedPlaybooks | undefined;
  /** Pub/Sub signs every push as this account. */
  pushAccount: string;
  /** The topics and subscriptions this plan creates (all of them when whole). */
  topics: TopicSpec[];
  subscriptions: SubscriptionSpec[];
  apis: readonly string[];
  /** Some selected service holds Kubernetes verbs: the plan applies RBAC in the clusters. */
  needsKubernetes: boolean;
  usesSecrets: boolean;
  /** The selected services that call a cluster's API server. */
  reachers: readonly string[];
  /** The clusters given, or one cluster named by the CLUSTER_NAME and CLUSTER_LOCATION variables. */
  clusters: readonly GkeCluster[];
  /** What the operator must still supply: the steps add to it, in step order. */
  todos: PlanTodo[];
}
