// The safety policy: what Riposte must never touch, whatever a playbook asks. Defaults protect the
// control plane, GKE's and Google Managed Prometheus's system namespaces, Falco and Riposte itself.
import { CommandSafety } from "@riposte/contracts";

export interface SafetyPolicy {
  /** Namespace globs no action may touch. */
  protectedNamespaces: readonly string[];
  /**
   * Exact names the operator took out of the default protection (UNPROTECT_NAMESPACES). A playbook
   * protecting one of them protects it again.
   */
  unprotectedNamespaces?: readonly string[];
  allowDaemonSetPods: boolean;
  allowMirrorPods: boolean;
}

export const DEFAULT_PROTECTED_NAMESPACES = [
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "gke-*",
  "gmp-*",
  "falco",
  "riposte",
] as const;

/** A command's `safety` that cannot be read: the action is refused, never run under the base policy. */
export class InvalidSafetyOverridesError extends Error {
  override readonly name = "InvalidSafetyOverridesError";
}

/**
 * The service's policy with a command's overrides (its `safety`, schema CommandSafety). Protected
 * namespaces only ever grow: a playbook can protect more (its `namespaces.exclude`, its
 * `safety.protected_namespaces`) but never un-protect kube-system, Falco or Riposte. The allow flags
 * are the operator's to widen per playbook. Throws InvalidSafetyOverridesError for malformed overrides.
 */
export function effectivePolicy(base: SafetyPolicy, overrides: unknown): SafetyPolicy {
  const parsed = CommandSafety.safeParse(overrides ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `safety${issue.path.map((key) => `.${String(key)}`).join("")}: ${issue.message}`,
    );
    throw new InvalidSafetyOverridesError(`malformed safety overrides, refused: ${problems.join("; ")}`);
  }
  const added = parsed.data.protectedNamespaces ?? [];
  return {
    protectedNamespaces: [...new Set([...base.protectedNamespaces, ...added])],
    unprotectedNamespaces: (base.unprotectedNamespaces ?? []).filter(
      (name) => !added.some((glob) => globMatches(glob, name)),
    ),
    allowDaemonSetPods: parsed.data.allowDaemonSetPods ?? base.allowDaemonSetPods,
    allowMirrorPods: parsed.data.allowMirrorPods ?? base.allowMirrorPods,
  };
}

export function globMatches(pattern: string, value: string): boolean {
  if (!pattern.includes("*")) return pattern === value;
  const parts = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".*")}$`).test(value);
}

/** Why `namespace` is off limits, or undefined when it is not. */
export function protectedNamespaceReason(policy: SafetyPolicy, namespace: string): string | undefined {
  if (policy.unprotectedNamespaces?.includes(namespace)) return undefined;
  const pattern = policy.protectedNamespaces.find((glob) => globMatches(glob, namespace));
  return pattern ? `namespace ${namespace} is protected (matches "${pattern}")` : undefined;
}

interface PodLike {
  metadata?: { annotations?: Record<string, string>; ownerReferences?: { kind?: string; name?: string }[] };
}

/** Why this pod must not be touched under `policy`, or undefined. */
export function protectedPodReason(policy: SafetyPolicy, pod: PodLike): string | undefined {
  if (!policy.allowMirrorPods && pod.metadata?.annotations?.["kubernetes.io/config.mirror"] !== undefined) {
    return "static (mirror) pod: managed by the kubelet, not the API server";
  }
  const daemonSet = pod.metadata?.ownerReferences?.find((owner) => owner.kind === "DaemonSet");
  if (!policy.allowDaemonSetPods && daemonSet)
    return `owned by DaemonSet ${daemonSet.name}: it runs on every node`;
  return undefined;
}
