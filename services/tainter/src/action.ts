// taint-node: append `riposte.dev/compromised=<incident>:<effect>` to the node's taints with a JSON
// patch guarded by a `test` on resourceVersion — never overwriting or dropping the taints already
// there — and re-read and retry when someone else changed the node in between.
import type { CoreV1Api, V1Node, V1Taint } from "@kubernetes/client-node";
import { type TaintNodeCommand, TaintNodeParams } from "@riposte/falco-event";
import {
  classifyKubernetesError,
  EVENT_PERMISSION,
  type ExecutionResult,
  type KubernetesAction,
  podRef,
  protectedNamespaceReason,
  protectedPodReason,
  resolveTargetPod,
} from "@riposte/k8s-response";

export const COMPROMISED_TAINT = "riposte.dev/compromised";
const MAX_CONFLICT_RETRIES = 5;

function existingTaint(node: V1Node): V1Taint | undefined {
  return node.spec?.taints?.find((taint) => taint.key === COMPROMISED_TAINT);
}

/** Appends the taint; the `test` makes the patch fail if the node changed since it was read. */
async function appendTaint(core: CoreV1Api, node: V1Node, taint: V1Taint, cordon: boolean): Promise<void> {
  const operations: object[] = [
    { op: "test", path: "/metadata/resourceVersion", value: node.metadata?.resourceVersion },
    node.spec?.taints
      ? { op: "add", path: "/spec/taints/-", value: taint }
      : { op: "add", path: "/spec/taints", value: [taint] },
  ];
  if (cordon) operations.push({ op: "add", path: "/spec/unschedulable", value: true });
  await core.patchNode({ name: node.metadata?.name ?? "", body: operations });
}

export const taintNode: KubernetesAction<TaintNodeCommand> = {
  name: "taint-node",
  kind: "TaintNode",
  description:
    "Adds a NoSchedule (or NoExecute) taint to the node, keeping its other taints; optionally cordons it.",
  params: TaintNodeParams,
  permissions: [
    {
      apiGroups: [""],
      resources: ["nodes"],
      verbs: ["get", "patch"],
      reason: "read the node's taints and append one",
    },
    {
      apiGroups: [""],
      resources: ["pods"],
      verbs: ["get", "list"],
      reason: "find the node of the alert's pod",
    },
    EVENT_PERMISSION,
  ],
  limits: [{ name: "node taints per cluster", scope: "cluster", max: 3, windowMs: 10 * 60_000 }],
  eventReason: "RiposteTaintNode",
  example: {
    v: 1,
    kind: "TaintNode",
    incident: "0123456789abcdef0123456789abcdef",
    alert: {
      rule: "Write below etc",
      priority: "Critical",
      severity: 2,
      source: "syscall",
      time: "2026-01-02T03:04:05.123456789Z",
      timeNs: "1767323045123456789",
      hostname: "gke-prod-default-pool-3f1c2a9e-7xkq",
      tags: ["host", "filesystem"],
      output: "File below /etc opened for writing (…)",
      outputFields: {},
    },
    target: { node: "gke-prod-default-pool-3f1c2a9e-7xkq", containerId: "host", rejected: [] },
    params: { effect: "NoSchedule", cordon: false },
    dryRun: false,
    playbooks: ["taint-compromised-node"],
    issuedAt: "2026-01-02T03:04:05.200Z",
  },

  async plan(command, { clients, policy }) {
    // An alert from a protected namespace never moves workloads off a node.
    const early = command.target.namespace && protectedNamespaceReason(policy, command.target.namespace);
    if (early) return { result: "refused", reason: early };
    let nodeName = command.target.node;
    if (!nodeName) {
      const resolution = await resolveTargetPod(clients.core, command.target);
      if (resolution.kind !== "found")
        return { result: "refused", reason: `no node to taint: ${resolution.reason}` };
      const pod = resolution.pod;
      const refusal =
        protectedNamespaceReason(policy, pod.metadata?.namespace ?? "") ?? protectedPodReason(policy, pod);
      if (refusal) return { result: "refused", reason: `pod ${podRef(pod)}: ${refusal}` };
      nodeName = resolution.pod.spec?.nodeName;
      if (!nodeName) return { result: "refused", reason: "no node to taint: the pod is not scheduled" };
    }
    let node: V1Node;
    try {
      node = await clients.core.readNode({ name: nodeName });
    } catch (error) {
      if (classifyKubernetesError(error).kind === "not-found")
        return { result: "stale", reason: `node ${nodeName} not found` };
      throw error;
    }
    const present = existingTaint(node);
    if (present)
      return {
        result: "already-done",
        reason: `node ${nodeName} already tainted ${present.key}=${present.value}:${present.effect}`,
      };

    const { effect, cordon } = command.params;
    const taint: V1Taint = { key: COMPROMISED_TAINT, value: command.incident, effect };
    const name = nodeName;
    return {
      description: `add taint ${COMPROMISED_TAINT}=${command.incident}:${effect} to node ${name}${cordon ? " and cordon it" : ""} (keeping its ${node.spec?.taints?.length ?? 0} other taint(s))`,
      object: { apiVersion: "v1", kind: "Node", name, uid: node.metadata?.uid ?? "" },
      async execute(): Promise<ExecutionResult> {
        let current = node;
        for (let attempt = 1; ; attempt += 1) {
          try {
            await appendTaint(clients.core, current, taint, cordon);
            return { result: "done", reason: `tainted node ${name}`, details: { attempts: attempt } };
          } catch (error) {
            const failure = classifyKubernetesError(error);
            if (failure.kind === "not-found") return { result: "stale", reason: `node ${name} is gone` };
            // The resourceVersion test failed (409 or 422 depending on the server): re-read, try again.
            const changed =
              failure.kind === "conflict" || (failure.kind === "invalid" && failure.code === 422);
            if (!changed || attempt >= MAX_CONFLICT_RETRIES) throw error;
            current = await clients.core.readNode({ name });
            const raced = existingTaint(current);
            if (raced)
              return {
                result: "already-done",
                reason: `node ${name} was tainted meanwhile (${raced.value})`,
              };
          }
        }
      },
    };
  },
};
