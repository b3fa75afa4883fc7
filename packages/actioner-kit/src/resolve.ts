// Finding the pod an alert is about. By name (and uid) when Falco knew it; otherwise by container id:
// list the pods on the alert's node and match status.containerStatuses[].containerID, whose hex part
// begins with Falco's 12-character container.id — or lastState.terminated.containerID, since the
// alert may name the instance before a restart. When the name is the only evidence (a k8s_audit
// alert: no uid, no container), a pod created after the alert's event is one that took the name since.
import type { CoreV1Api, V1Pod } from "@kubernetes/client-node";
import type { Target } from "@riposte/contracts";
import { classifyKubernetesError } from "./errors.js";

export type PodResolution =
  | { kind: "found"; pod: V1Pod; via: "name" | "container-id" | "pod-uid" }
  /** The pod is not there (any more): no pod has its name, or its uid. */
  | { kind: "gone"; reason: string }
  /**
   * No pod (on the alert's node) runs or ran the alert's container. Not proof that the pod is gone:
   * the id may predate more than one restart (only the last is kept), or the alert may be wrong.
   */
  | { kind: "unmatched"; reason: string }
  /**
   * A pod of that name exists but it is a different one (another uid, other containers, or created
   * after the alert's event): the alert's pod is gone.
   */
  | { kind: "replaced"; pod: V1Pod; reason: string }
  /** Nothing in the alert identifies a pod. */
  | { kind: "none"; reason: string };

const RUNTIME_PREFIX = /^[a-z0-9-]+:\/\//;

/**
 * The hex ids of every container of a pod (regular, init and ephemeral), without the runtime prefix:
 * the current instances and, for restarted containers, the previous ones (lastState.terminated),
 * which an alert raised just before the restart still names.
 */
export function containerIdsOf(pod: V1Pod): string[] {
  const statuses = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.ephemeralContainerStatuses ?? []),
  ];
  const ids = statuses.flatMap((status) => [status.containerID, status.lastState?.terminated?.containerID]);
  return ids.flatMap((id) => (id ? [id.replace(RUNTIME_PREFIX, "")] : []));
}

export function podRef(pod: V1Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

/** When the alert's event happened: `timeNs` of the command's alert summary. */
export interface AlertEventTime {
  timeNs: string;
}

const NS_PER_SECOND = 1_000_000_000n;

/** Seconds since the epoch, rounded down (BigInt division truncates towards zero). */
function floorSeconds(ns: bigint): bigint {
  const seconds = ns / NS_PER_SECOND;
  return ns < 0n && seconds * NS_PER_SECOND !== ns ? seconds - 1n : seconds;
}

/**
 * Why the pod cannot be the alert's: created in a later second than the event. creationTimestamp is
 * whole seconds (truncated), so a pod created in the event's own second is given the benefit of the
 * doubt. Clock skew between Falco's node and the API server is not allowed for: a node clock running
 * behind can only make the alert's own pod look newer, i.e. nothing done (stale), never the wrong pod.
 */
function createdAfterEvent(pod: V1Pod, event: AlertEventTime): string | undefined {
  const created = pod.metadata?.creationTimestamp;
  if (!created) return undefined;
  const createdMs = new Date(created).getTime();
  if (Number.isNaN(createdMs)) return undefined;
  const eventNs = BigInt(event.timeNs);
  if (BigInt(Math.floor(createdMs / 1000)) <= floorSeconds(eventNs)) return undefined;
  return `was created at ${new Date(createdMs).toISOString()}, after the alert's event at ${instantOf(eventNs)}`;
}

/** An instant for a person: ISO 8601 to the millisecond, or nanoseconds when out of Date's range. */
function instantOf(ns: bigint): string {
  const date = new Date(Number(ns / 1_000_000n));
  return Number.isNaN(date.getTime()) ? `${ns} ns since the epoch` : date.toISOString();
}

export async function resolveTargetPod(
  core: CoreV1Api,
  target: Target,
  event: AlertEventTime,
): Promise<PodResolution> {
  if (target.namespace && target.pod) {
    let pod: V1Pod;
    try {
      pod = await core.readNamespacedPod({ name: target.pod, namespace: target.namespace });
    } catch (error) {
      if (classifyKubernetesError(error).kind === "not-found") {
        return { kind: "gone", reason: `pod ${target.namespace}/${target.pod} not found` };
      }
      throw error;
    }
    if (target.podUid && pod.metadata?.uid !== target.podUid) {
      return {
        kind: "replaced",
        pod,
        reason: `pod ${target.namespace}/${target.pod} is now uid ${pod.metadata?.uid}, not the alert's ${target.podUid}`,
      };
    }
    // Without a uid, the alert's container is the proof that this is still the same pod: a pod that
    // took the name since (a StatefulSet replica, a redelivery after a kill) runs other containers.
    const containerId = target.containerId && target.containerId !== "host" ? target.containerId : undefined;
    if (!target.podUid && containerId && !containerIdsOf(pod).some((id) => id.startsWith(containerId))) {
      return {
        kind: "replaced",
        pod,
        reason: `pod ${target.namespace}/${target.pod} (uid ${pod.metadata?.uid}) does not run the alert's container ${containerId}`,
      };
    }
    // With neither, only its creation time can tell a pod that took the name since (a redelivery
    // after the kill, a StatefulSet replica).
    const newer = !target.podUid && !containerId ? createdAfterEvent(pod, event) : undefined;
    if (newer) {
      return {
        kind: "replaced",
        pod,
        reason: `pod ${target.namespace}/${target.pod} (uid ${pod.metadata?.uid}) ${newer}`,
      };
    }
    return { kind: "found", pod, via: "name" };
  }

  const containerId = target.containerId && target.containerId !== "host" ? target.containerId : undefined;
  if (!containerId && !target.podUid)
    return { kind: "none", reason: "no target: the alert names no pod, pod uid or container" };

  // Without a node this lists every pod in the cluster; Falco's chart always sets hostname to the node.
  const pods = target.node
    ? await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${target.node}` })
    : await core.listPodForAllNamespaces({});
  const where = target.node ? `on node ${target.node}` : "in the cluster";
  const matches = pods.items.filter((pod) =>
    containerId
      ? containerIdsOf(pod).some((id) => id.startsWith(containerId))
      : pod.metadata?.uid === target.podUid,
  );
  if (matches.length === 0) {
    return containerId
      ? { kind: "unmatched", reason: `no pod ${where} runs or ran container ${containerId}` }
      : { kind: "gone", reason: `no pod ${where} has uid ${target.podUid}` };
  }
  const what = containerId ? `container ${containerId}` : `pod uid ${target.podUid}`;
  if (matches.length > 1) {
    return { kind: "none", reason: `${what} is ambiguous ${where}: ${matches.map(podRef).join(", ")}` };
  }
  return { kind: "found", pod: matches[0] as V1Pod, via: containerId ? "container-id" : "pod-uid" };
}
