// capture-node: the original response engine's Sysdig capture. A Job in Riposte's namespace, pinned to
// the alert's node, records the alert's container with sysdig for `duration_seconds`, then uploads
// the file to the incident's evidence prefix with its own identity (job.ts). This service only
// creates the Job (one per incident: a redelivery finds it, already-done); the Job's result reaches
// the ledger through the scheduled call (job-results.ts). Only this service may create Jobs, and only
// in Riposte's namespace: the bundle capture never gets that right.
import {
  type ClusterClients,
  classifyKubernetesError,
  EVENT_PERMISSION,
  kubernetesAction,
  podRef,
  protectedNamespaceReason,
  protectedPodReason,
  resolveTargetPod,
} from "@riposte/actioner-kit";
import { evidencePrefix, isNodeName } from "@riposte/contracts";
import type { NodeCaptureUses } from "./config.js";
import {
  CAPTURE_FILE,
  INCIDENT_LABEL,
  isCaptureContainerId,
  nodeCaptureJob,
  nodeCaptureJobName,
} from "./job.js";

/** Where Riposte's own workloads run: the Role for Jobs is granted there only (the manifests' namespace). */
export const RIPOSTE_NAMESPACE = "riposte";

export const captureNode = kubernetesAction<"capture-node", NodeCaptureUses>("capture-node", {
  description:
    "Runs a node-level capture of the alert's container in a Job pinned to its node, uploaded to the evidence bucket",
  // Exactly what plan() and execute() call, and the Event. Jobs only in Riposte's namespace (a Role):
  // a Job there can run privileged on any node, so no other namespace gets one from this service.
  permissions: [
    {
      apiGroups: [""],
      resources: ["pods"],
      verbs: ["get", "list"],
      reason: "find the pod by name or by container id on its node, and its node",
    },
    {
      apiGroups: ["batch"],
      resources: ["jobs"],
      verbs: ["create", "get", "list"],
      namespace: RIPOSTE_NAMESPACE,
      reason:
        "create the capture Job (one per incident), find it again on redelivery, list finished ones for the ledger",
    },
    EVENT_PERMISSION,
  ],
  // Each capture is a privileged pod on a node for up to 5 minutes: a storm must not start hundreds.
  limits: [
    { name: "node captures per namespace", scope: "namespace", max: 3, windowMs: 60_000 },
    { name: "node captures per cluster", scope: "cluster", max: 10, windowMs: 60_000 },
  ],
  async plan(command, { clients, policy, uses }) {
    const early = command.target.namespace && protectedNamespaceReason(policy, command.target.namespace);
    if (early) return { result: "refused", reason: early };
    const { containerId } = command.target;
    // The capture is filtered on the container: without its id it would record the whole node.
    if (containerId === undefined || containerId === "host")
      return {
        result: "refused",
        reason:
          "the alert names no container (container.id): a node capture records only the alert's container",
      };
    if (!isCaptureContainerId(containerId))
      return { result: "refused", reason: "the alert's container id is not 12 or 64 lowercase hex digits" };

    const resolution = await resolveTargetPod(clients.core, command.target, command.alert);
    if (resolution.kind === "none") return { result: "refused", reason: resolution.reason };
    if (resolution.kind !== "found")
      return { result: "stale", reason: `${resolution.reason}; no capture (the container is not there)` };
    const { pod } = resolution;
    const namespace = pod.metadata?.namespace ?? "";
    const name = pod.metadata?.name ?? "";
    const uid = pod.metadata?.uid ?? "";
    const refusal = protectedNamespaceReason(policy, namespace) ?? protectedPodReason(policy, pod);
    if (refusal) return { result: "refused", reason: `pod ${podRef(pod)}: ${refusal}` };
    const node = pod.spec?.nodeName;
    if (!node) return { result: "stale", reason: `pod ${podRef(pod)} runs on no node; no capture` };
    if (!isNodeName(node))
      return { result: "refused", reason: `pod ${podRef(pod)}: its node name is not valid` };

    const prefix = evidencePrefix({
      cluster: clients.name,
      namespace,
      pod: name,
      incident: command.incident,
    });
    const location = `gs://${uses.bucket}/${prefix}${CAPTURE_FILE}`;
    const jobName = nodeCaptureJobName(command.incident);
    const jobRef = `${uses.namespace}/${jobName}`;
    const already = await existingJob(clients, uses.namespace, jobName, command.incident);
    if (already)
      return {
        result: "already-done",
        reason: `capture Job ${jobRef} already created (node ${node}); its file lands in ${location}`,
        details: { location, job: jobRef, node },
        doneBy: command.incident,
      };

    const job = nodeCaptureJob({
      name: jobName,
      namespace: uses.namespace,
      incident: command.incident,
      node,
      containerId,
      destination: location,
      params: command.params,
    });
    const what = `a ${command.params.durationSeconds}s sysdig capture of container ${containerId.slice(0, 12)}`;
    return {
      description: `create Job ${jobRef} on node ${node}: ${what} of pod ${namespace}/${name} (uid ${uid}), uploaded to ${location}`,
      object: { apiVersion: "v1", kind: "Pod", name, namespace, uid },
      details: { resolvedBy: resolution.via, node, job: jobRef, location },
      async execute() {
        try {
          await clients.batch.createNamespacedJob({ namespace: uses.namespace, body: job });
        } catch (error) {
          // A redelivery (or a duplicate) created it first: the name is the incident's.
          if (classifyKubernetesError(error).kind === "conflict")
            return {
              result: "already-done",
              reason: `capture Job ${jobRef} already created (node ${node}); its file lands in ${location}`,
              details: { location, job: jobRef },
              doneBy: command.incident,
            };
          throw error;
        }
        return {
          result: "done",
          reason: `created Job ${jobRef} on node ${node}: ${what}; its file lands in ${location}`,
          details: { location, job: jobRef },
        };
      },
    };
  },
});

/** The incident's Job if it exists: the name is the incident's, and so must its label be. */
async function existingJob(
  clients: ClusterClients,
  namespace: string,
  name: string,
  incident: string,
): Promise<boolean> {
  try {
    const job = await clients.batch.readNamespacedJob({ name, namespace });
    if (job.metadata?.labels?.[INCIDENT_LABEL] !== incident)
      throw new Error(`Job ${namespace}/${name} exists but is not incident ${incident}'s`);
    return true;
  } catch (error) {
    if (classifyKubernetesError(error).kind === "not-found") return false;
    throw error;
  }
}
