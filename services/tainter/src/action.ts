// taint-node: make sure the node carries `riposte.dev/compromised=<incident>:<effect>` (and is cordoned
// when asked) with a JSON patch guarded by a `test` on resourceVersion — appending to the node's taints,
// or strengthening our own weaker one in place, never dropping or weakening anything already there —
// re-read and retried when someone else changed the node in between.
//
// An alert about a pod or container (every syscall alert also names its node) is judged by that pod
// first, as pod-killer would: a protected namespace, a DaemonSet or a static pod never taints a node.
// Nor does any pod on the node that runs or ran the alert's container, nor a protected successor of a
// pod that is gone (its DaemonSet replaced it under a new name). A named pod gone with no such
// successor cannot be judged; the node it ran on is still suspect, so the alert's node is tainted. A
// container id alone that no pod runs or ran leaves nothing to judge: refused (README, "Responding safely").
import type { CoreV1Api, V1Node, V1Pod, V1Taint } from "@kubernetes/client-node";
import {
  classifyKubernetesError,
  containerIdsOf,
  EVENT_PERMISSION,
  type ExecutionResult,
  type FinalResult,
  kubernetesAction,
  podRef,
  protectedNamespaceReason,
  protectedPodReason,
  RACE_LOST,
  resolveTargetPod,
  retryLostRaces,
  type SafetyPolicy,
} from "@riposte/actioner-kit";
import type { TaintNodeCommand, Target } from "@riposte/contracts";

export const COMPROMISED_TAINT = "riposte.dev/compromised";
/**
 * Set (to the incident) when the tainter cordoned the node itself, so that `riposte untaint` lifts
 * only a cordon of Riposte's: a node an admin cordoned stays cordoned.
 */
export const CORDON_ANNOTATION = "riposte.dev/cordoned-by";

type TaintEffect = TaintNodeCommand["params"]["effect"];

/** Taint effects from weakest to strongest: a stronger taint of ours satisfies a weaker request. */
const EFFECT_STRENGTH: readonly string[] = ["PreferNoSchedule", "NoSchedule", "NoExecute"];
const strengthOf = (effect: string | undefined) => EFFECT_STRENGTH.indexOf(effect ?? "");

/** What the node still lacks of what was asked. */
interface Missing {
  /** `add`: no taint of ours yet; `strengthen`: ours at `index` is weaker than asked. */
  taint?: { change: "add" } | { change: "strengthen"; index: number; present: V1Taint };
  cordon: boolean;
}

/** The strongest of our taints on the node, with its index in spec.taints. */
function ourStrongestTaint(node: V1Node): { index: number; taint: V1Taint } | undefined {
  let strongest: { index: number; taint: V1Taint } | undefined;
  (node.spec?.taints ?? []).forEach((taint, index) => {
    if (taint.key !== COMPROMISED_TAINT) return;
    if (!strongest || strengthOf(taint.effect) > strengthOf(strongest.taint.effect))
      strongest = { index, taint };
  });
  return strongest;
}

function missingOn(node: V1Node, effect: TaintEffect, cordon: boolean): Missing {
  const ours = ourStrongestTaint(node);
  const cordonMissing = cordon && node.spec?.unschedulable !== true;
  if (!ours) return { taint: { change: "add" }, cordon: cordonMissing };
  if (strengthOf(ours.taint.effect) < strengthOf(effect))
    return { taint: { change: "strengthen", index: ours.index, present: ours.taint }, cordon: cordonMissing };
  return { cordon: cordonMissing };
}

const nothingMissing = (missing: Missing) => !missing.taint && !missing.cordon;

const describeTaint = (taint: V1Taint) => `${taint.key}=${taint.value ?? ""}:${taint.effect}`;

function describeChanges(node: V1Node, missing: Missing, taint: V1Taint): string {
  const name = node.metadata?.name ?? "";
  const others = (node.spec?.taints ?? []).filter((t) => t.key !== COMPROMISED_TAINT).length;
  const cordon = missing.cordon ? " and cordon it" : "";
  if (missing.taint?.change === "add")
    return `add taint ${describeTaint(taint)} to node ${name}${cordon} (keeping its ${others} other taint(s))`;
  if (missing.taint?.change === "strengthen")
    return `strengthen taint ${describeTaint(missing.taint.present)} on node ${name} to ${describeTaint(taint)}${cordon} (keeping its ${others} other taint(s))`;
  return `cordon node ${name} (already tainted ${describeTaint(ourStrongestTaint(node)?.taint ?? taint)})`;
}

/** What is there already, for an already-done outcome. */
function describePresent(node: V1Node): string {
  const ours = ourStrongestTaint(node)?.taint;
  return `${ours ? `tainted ${describeTaint(ours)}` : "untainted"}${node.spec?.unschedulable ? ", cordoned" : ""}`;
}

/** The incident our strongest taint names (its value), for the runner's "who did it". */
function taintedBy(node: V1Node): { doneBy?: string } {
  const value = ourStrongestTaint(node)?.taint.value;
  return value ? { doneBy: value } : {};
}

/** The JSON patch; the `test` makes it fail if the node changed since it was read. */
function patchOperations(node: V1Node, missing: Missing, taint: V1Taint): object[] {
  const operations: object[] = [
    { op: "test", path: "/metadata/resourceVersion", value: node.metadata?.resourceVersion },
  ];
  if (missing.taint?.change === "add") {
    operations.push(
      node.spec?.taints
        ? { op: "add", path: "/spec/taints/-", value: taint }
        : { op: "add", path: "/spec/taints", value: [taint] },
    );
  }
  // Our own weaker taint is replaced where it stands; the other entries are not touched.
  if (missing.taint?.change === "strengthen")
    operations.push({ op: "replace", path: `/spec/taints/${missing.taint.index}`, value: taint });
  if (missing.cordon) {
    operations.push({ op: "add", path: "/spec/unschedulable", value: true });
    // Creating the map is safe: the resourceVersion test above pins the annotations we read.
    operations.push(
      node.metadata?.annotations
        ? { op: "add", path: `/metadata/annotations/${escapePointer(CORDON_ANNOTATION)}`, value: taint.value }
        : { op: "add", path: "/metadata/annotations", value: { [CORDON_ANNOTATION]: taint.value } },
    );
  }
  return operations;
}

/** A map key as one JSON Pointer step (RFC 6901). */
export function escapePointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

async function readNodeIfThere(core: CoreV1Api, name: string): Promise<V1Node | undefined> {
  try {
    return await core.readNode({ name });
  } catch (error) {
    if (classifyKubernetesError(error).kind === "not-found") return undefined;
    throw error;
  }
}

/** The alert's container id, unless the process ran on the node itself ("host"). */
const alertContainer = (target: Target) =>
  target.containerId && target.containerId !== "host" ? target.containerId : undefined;

/** Whether the alert is about a pod or a container rather than the node itself. */
function namesPod(target: Target): boolean {
  return Boolean(target.pod || target.podUid || alertContainer(target));
}

function podRefusal(policy: SafetyPolicy, pod: V1Pod): string | undefined {
  return protectedNamespaceReason(policy, pod.metadata?.namespace ?? "") ?? protectedPodReason(policy, pod);
}

interface NodeToTaint {
  node: string;
  details: Record<string, unknown>;
}

/** The node of a pod that is gone since the alert: the alert's node, which may still be compromised. */
function nodeOfGonePod(target: Target, why: string): NodeToTaint | FinalResult {
  if (!target.node) return { result: "refused", reason: `no node to taint: ${why}` };
  return { node: target.node, details: { podGone: why } };
}

/** A generated pod name (`<ReplicaSet or DaemonSet>-<5 chars>`) without its suffix; undefined when not one. */
const GENERATED_SUFFIX = /-[a-z0-9]{5}$/;
function generatedPrefix(podName: string): string | undefined {
  return GENERATED_SUFFIX.test(podName) ? podName.slice(0, -6) : undefined;
}

/**
 * Why a pod on the node other than the one judged forbids the taint: one that runs or ran the alert's
 * container (the alert's name may be wrong, or the pod gone while its container lives on elsewhere),
 * or, when the alert's pod is gone, a protected successor — same namespace, same generated prefix —
 * left by a DaemonSet rollout or an eviction.
 */
async function protectedNeighbour(
  core: CoreV1Api,
  target: Target,
  node: string,
  policy: SafetyPolicy,
  podGone: boolean,
): Promise<string | undefined> {
  const containerId = alertContainer(target);
  const prefix = podGone && target.pod ? generatedPrefix(target.pod) : undefined;
  if (!containerId && !prefix) return undefined;
  const { items } = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` });
  for (const pod of items) {
    if (containerId && containerIdsOf(pod).some((id) => id.startsWith(containerId))) {
      const refusal = podRefusal(policy, pod);
      if (refusal) return `pod ${podRef(pod)} runs or ran container ${containerId}: ${refusal}`;
    }
    const name = pod.metadata?.name ?? "";
    const successor =
      prefix !== undefined &&
      pod.metadata?.namespace === target.namespace &&
      name !== target.pod &&
      generatedPrefix(name) === prefix;
    if (successor) {
      const refusal = protectedPodReason(policy, pod);
      if (refusal)
        return `pod ${target.namespace}/${target.pod} is gone; its successor ${podRef(pod)} on node ${node}: ${refusal}`;
    }
  }
  return undefined;
}

/** The alert's node for a pod gone since the alert, unless a pod on it forbids the taint. */
async function nodeAfterGonePod(
  core: CoreV1Api,
  target: Target,
  policy: SafetyPolicy,
  why: string,
): Promise<NodeToTaint | FinalResult> {
  const located = nodeOfGonePod(target, why);
  if ("result" in located) return located;
  const refusal = await protectedNeighbour(core, target, located.node, policy, true);
  return refusal ? { result: "refused", reason: refusal } : located;
}

/** The node to taint, after the pod policy when the alert is about a pod. */
async function nodeToTaint(
  core: CoreV1Api,
  target: Target,
  event: TaintNodeCommand["alert"],
  policy: SafetyPolicy,
): Promise<NodeToTaint | FinalResult> {
  if (!namesPod(target)) {
    if (target.node) return { node: target.node, details: {} };
    return { result: "refused", reason: "no node to taint: the alert names no node, pod or container" };
  }
  const resolution = await resolveTargetPod(core, target, event);
  switch (resolution.kind) {
    case "found": {
      const { pod } = resolution;
      const refusal = podRefusal(policy, pod);
      if (refusal) return { result: "refused", reason: `pod ${podRef(pod)}: ${refusal}` };
      const podNode = pod.spec?.nodeName;
      if (!podNode)
        return { result: "refused", reason: `no node to taint: pod ${podRef(pod)} is not scheduled` };
      if (target.node && podNode !== target.node) {
        return {
          result: "refused",
          reason: `pod ${podRef(pod)} runs on node ${podNode}, not on the alert's node ${target.node}: the alert contradicts the cluster; nothing tainted`,
        };
      }
      // Found by its container id, it is the only pod on the node that runs or ran that container.
      const neighbour =
        resolution.via !== "container-id" && (await protectedNeighbour(core, target, podNode, policy, false));
      if (neighbour) return { result: "refused", reason: neighbour };
      return { node: podNode, details: { pod: podRef(pod), resolvedBy: resolution.via } };
    }
    case "replaced": {
      // The pod that took the name has the gone one's owner (a StatefulSet, a restarted static pod).
      const refusal = podRefusal(policy, resolution.pod);
      if (refusal)
        return {
          result: "refused",
          reason: `pod ${podRef(resolution.pod)} (replaced since the alert): ${refusal}`,
        };
      return nodeAfterGonePod(core, target, policy, resolution.reason);
    }
    case "gone":
      return nodeAfterGonePod(core, target, policy, resolution.reason);
    case "unmatched":
      // Only a container id, and no pod left to say whose it was (a DaemonSet's, a static pod's).
      return { result: "refused", reason: `cannot judge the pod: ${resolution.reason}` };
    case "none":
      return { result: "refused", reason: `no node to taint: ${resolution.reason}` };
  }
}

/** Applies what is missing, re-reading the node after a lost race. */
function applyMissing(
  core: CoreV1Api,
  planned: V1Node,
  taint: V1Taint,
  params: { effect: TaintEffect; cordon: boolean },
): Promise<ExecutionResult> {
  const name = planned.metadata?.name ?? "";
  let current: V1Node | undefined = planned;
  return retryLostRaces(`taint node ${name}`, async (attempt) => {
    current ??= await readNodeIfThere(core, name);
    if (!current) return { result: "stale", reason: `node ${name} is gone` };
    if (current.metadata?.uid !== planned.metadata?.uid)
      return {
        result: "stale",
        reason: `node ${name} was replaced (now uid ${current.metadata?.uid}); nothing changed`,
      };
    const missing = missingOn(current, params.effect, params.cordon);
    if (nothingMissing(missing))
      return {
        result: "already-done",
        reason: `node ${name} was changed meanwhile: ${describePresent(current)}`,
        ...taintedBy(current),
      };
    const read: V1Node = current;
    current = undefined;
    try {
      await core.patchNode({ name, body: patchOperations(read, missing, taint) });
      return {
        result: "done",
        reason: describeChanges(read, missing, taint),
        details: { attempts: attempt },
      };
    } catch (error) {
      const failure = classifyKubernetesError(error);
      if (failure.kind === "not-found") return { result: "stale", reason: `node ${name} is gone` };
      if (failure.kind === "conflict") return RACE_LOST;
      // A failed `test` answers 422, as does a patch the API finds invalid: only the first is a race.
      if (failure.kind === "invalid" && failure.code === 422) {
        current = await readNodeIfThere(core, name);
        if (current?.metadata?.resourceVersion !== read.metadata?.resourceVersion) return RACE_LOST;
      }
      throw error;
    }
  });
}

export const taintNode = kubernetesAction("taint-node", {
  description: "Taints the node an alert names so nothing new is scheduled there",
  permissions: [
    {
      apiGroups: [""],
      resources: ["nodes"],
      verbs: ["get", "patch"],
      reason: "read the node's taints, append one, cordon it and record that cordon (annotation)",
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
  async plan(command, { clients, policy }) {
    // An alert from a protected namespace never moves workloads off a node.
    const early = command.target.namespace && protectedNamespaceReason(policy, command.target.namespace);
    if (early) return { result: "refused", reason: early };
    const located = await nodeToTaint(clients.core, command.target, command.alert, policy);
    if ("result" in located) return located;
    const name = located.node;
    const node = await readNodeIfThere(clients.core, name);
    if (!node) return { result: "stale", reason: `node ${name} not found` };

    const { effect, cordon } = command.params;
    const missing = missingOn(node, effect, cordon);
    if (nothingMissing(missing)) {
      return {
        result: "already-done",
        ...taintedBy(node),
        reason: `node ${name} already ${describePresent(node)} (asked: ${effect}${cordon ? " and cordon" : ""}; never weakened)`,
        details: located.details,
      };
    }
    const taint: V1Taint = { key: COMPROMISED_TAINT, value: command.incident, effect };
    return {
      description: describeChanges(node, missing, taint),
      object: { apiVersion: "v1", kind: "Node", name, uid: node.metadata?.uid ?? "" },
      details: located.details,
      execute: () => applyMissing(clients.core, node, taint, command.params),
    };
  },
});
