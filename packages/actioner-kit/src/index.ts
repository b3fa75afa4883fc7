// @riposte/actioner-kit: what the Kubernetes actioners (pod-killer, isolator, tainter) share.
export {
  type ActionContext,
  type ActionerLedger,
  type ActionPlan,
  type ActionRunnerDeps,
  createActionerLedger,
  createActionHandler,
  EVENT_PERMISSION,
  type ExecutionResult,
  type FinalResult,
  type KubernetesAction,
  kubernetesAction,
} from "./action.js";
export {
  type ClusterClients,
  type ClusterEntry,
  type ClusterRegistry,
  clustersSchema,
  createClusterRegistry,
  DEFAULT_GKE_API_ENDPOINT,
  GkeApiEndpointError,
  GkeClusterAnswerError,
  gkeApiEndpointProblem,
  gkeClusterServer,
  UnknownClusterError,
} from "./cluster.js";
export {
  blastRadiusLimitsFrom,
  checkActionerConfig,
  gkeApiEndpointFrom,
  type KubernetesActionerConfig,
  kubernetesActionerEnv,
  safetyPolicyFrom,
} from "./config.js";
export { classifyKubernetesError, type KubernetesFailure, missingPermission } from "./errors.js";
export { type EventSpec, type InvolvedObject, recordEvent } from "./events.js";
export {
  createNetworkPolicyEnforcementLookup,
  ENFORCEMENT_LOOKUP_TIMEOUT_MS,
  ENFORCEMENT_REFRESH_MS,
  ENFORCEMENT_WHY_MAX_LENGTH,
  type EnforcementLookupOptions,
  enforcementOfGkeCluster,
  type NetworkPolicyEnforced,
  type NetworkPolicyEnforcement,
  type NetworkPolicyEnforcementLookup,
} from "./gke-network.js";
export {
  type BlastRadiusLimiter,
  createLimiter,
  type LimitDecision,
  type LimitRule,
  type SlotRequest,
} from "./limits.js";
export {
  DEFAULT_PROTECTED_NAMESPACES,
  effectivePolicy,
  InvalidSafetyOverridesError,
  protectedNamespaceReason,
  protectedPodReason,
  type SafetyPolicy,
} from "./policy.js";
export { RACE_ATTEMPTS, RACE_LOST, retryLostRaces } from "./races.js";
export { containerIdsOf, type PodResolution, podRef, resolveTargetPod } from "./resolve.js";
export { type ActionerScheduledCall, addScheduledCalls } from "./scheduled.js";
export {
  ACTIONER_REDELIVERY,
  type ActionerDeps,
  type ActionerDescriptor,
  actionerEnvSchema,
  createActionerApp,
  describeActioner,
  runnerDepsFromKit,
  startActioner,
} from "./service.js";
