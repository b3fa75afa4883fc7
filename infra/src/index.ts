// @riposte/infra: the operator's side — topology, provisioning, local run, the riposte CLI.

export { PROJECT_PLACEHOLDER, rbacManifestFor, serviceAccountEmail } from "./rbac.js";
export { loadServices, repoRoot, type ServicePackage } from "./services.js";
export {
  deriveTopology,
  type SubscriptionSpec,
  type TopicSpec,
  type Topology,
  type TopologyOptions,
} from "./topology/derive.js";
export { applyTopology, describeChange, planTopology, type TopologyChange } from "./topology/provision.js";
export { applyServiceAgentGrants, pubsubServiceAgent, serviceAgentGrants } from "./topology/service-agent.js";
