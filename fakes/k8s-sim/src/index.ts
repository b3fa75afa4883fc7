// @riposte/k8s-sim: a simulated Kubernetes API server that kubectl and @kubernetes/client-node can
// drive — in tests (startSim), as the demo cluster (demoSeed) and standalone (runSimCli).

export { runSimCli, type SimCliIo, SimCliUsageError } from "./cli.js";
export { demoSeed } from "./demo-seed.js";
export type { ActiveFault, FaultSpec } from "./faults.js";
export { FaultSpecError } from "./faults.js";
export {
  type FakeGkeApi,
  type FakeGkeCluster,
  type GkeNetworkPolicyMode,
  gkeNetworkFields,
  startGkeApi,
} from "./gke-api.js";
export {
  type JobControllerOptions,
  type JobOutcome,
  type JobOutcomeRule,
  JobOutcomeRuleError,
} from "./job-controller.js";
export type { KubeObject, ObjectMeta, OwnerReference } from "./json.js";
export type { ContainerLogs, ContainerRef } from "./pod-logs.js";
export type { AnonymousPolicy } from "./rbac.js";
export type { PendingRequest, RequestRecord } from "./request-log.js";
export {
  type ListRef,
  type ObjectRef,
  type SimCluster,
  type SimFaults,
  type SimOptions,
  startSim,
  UnknownResourceError,
} from "./sim.js";
export { KubeApiError, type KubeStatus } from "./status.js";
export { ManifestParseError } from "./yaml-docs.js";
