// kill-pod: delete the pod the alert names (found by its container id if need be) with
// `preconditions.uid`, so a new pod that took the name since the alert is never deleted (409 → stale);
// 404 means it is already gone. A container id that no pod runs or ran proves nothing about the pod
// (it may run on under a newer id): stale, never already-done.
import {
  classifyKubernetesError,
  EVENT_PERMISSION,
  kubernetesAction,
  podRef,
  protectedNamespaceReason,
  protectedPodReason,
  resolveTargetPod,
} from "@riposte/actioner-kit";

export const killPod = kubernetesAction("kill-pod", {
  description: "Deletes the pod an alert names, guarded by its uid",
  permissions: [
    {
      apiGroups: [""],
      resources: ["pods"],
      verbs: ["get", "list"],
      reason: "find the pod by name or by container id on its node",
    },
    { apiGroups: [""], resources: ["pods"], verbs: ["delete"], reason: "delete it" },
    EVENT_PERMISSION,
  ],
  limits: [
    { name: "pod kills per namespace", scope: "namespace", max: 5, windowMs: 60_000 },
    { name: "pod kills per cluster", scope: "cluster", max: 20, windowMs: 60_000 },
  ],
  async plan(command, { clients, policy }) {
    // A protected namespace is refused before any call reaches the cluster.
    const early = command.target.namespace && protectedNamespaceReason(policy, command.target.namespace);
    if (early) return { result: "refused", reason: early };
    const resolution = await resolveTargetPod(clients.core, command.target, command.alert);
    if (resolution.kind === "none") return { result: "refused", reason: resolution.reason };
    if (resolution.kind === "gone") return { result: "already-done", reason: resolution.reason };
    if (resolution.kind === "unmatched")
      return {
        result: "stale",
        reason: `${resolution.reason}; nothing deleted (the pod is not proven gone)`,
      };
    if (resolution.kind === "replaced")
      return { result: "stale", reason: `${resolution.reason}; nothing deleted` };

    const { pod } = resolution;
    const namespace = pod.metadata?.namespace ?? "";
    const name = pod.metadata?.name ?? "";
    const uid = pod.metadata?.uid ?? "";
    const refusal = protectedNamespaceReason(policy, namespace) ?? protectedPodReason(policy, pod);
    if (refusal) return { result: "refused", reason: `pod ${podRef(pod)}: ${refusal}` };

    const { gracePeriodSeconds } = command.params;
    return {
      description: `delete pod ${namespace}/${name} (uid ${uid}) with gracePeriodSeconds ${gracePeriodSeconds}`,
      object: { apiVersion: "v1", kind: "Pod", name, namespace, uid },
      details: { resolvedBy: resolution.via, node: pod.spec?.nodeName },
      async execute() {
        try {
          await clients.core.deleteNamespacedPod({
            name,
            namespace,
            gracePeriodSeconds,
            body: { gracePeriodSeconds, preconditions: { uid } },
          });
        } catch (error) {
          const failure = classifyKubernetesError(error);
          if (failure.kind === "not-found")
            return { result: "already-done", reason: `pod ${namespace}/${name} already gone` };
          if (failure.kind === "conflict") {
            return {
              result: "stale",
              reason: `pod ${namespace}/${name} is no longer uid ${uid}; nothing deleted`,
            };
          }
          throw error;
        }
        return { result: "done", reason: `deleted pod ${namespace}/${name}` };
      },
    };
  },
});
