// The environment every Kubernetes actioner reads (spread into its descriptor's env schema).
import { envBoolean, envList } from "@riposte/service-kit";
import { z } from "zod";
import { type ClusterEntry, clustersSchema } from "./cluster.js";
import { DEFAULT_PROTECTED_NAMESPACES, type SafetyPolicy } from "./policy.js";

export const kubernetesActionerEnv = {
  /** JSON map of cluster names (as alerts spell them) to how to reach each cluster. */
  CLUSTERS: clustersSchema,
  DRY_RUN: envBoolean.default(false),
  /** Namespace globs never touched; replaces the defaults when set. */
  PROTECTED_NAMESPACES: envList.default([...DEFAULT_PROTECTED_NAMESPACES]),
  /** Extra namespaces to protect on top of PROTECTED_NAMESPACES (e.g. where Falco runs). */
  FALCO_NAMESPACE: z.string().default("falco"),
  RIPOSTE_NAMESPACE: z.string().default("riposte"),
  ALLOW_DAEMONSET_PODS: envBoolean.default(false),
  ALLOW_MIRROR_PODS: envBoolean.default(false),
  KUBE_CALL_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Where the GKE API lives; only tests change it. */
  GKE_API_ENDPOINT: z.url().optional(),
};

export interface KubernetesActionerConfig {
  CLUSTERS: Record<string, ClusterEntry>;
  DRY_RUN: boolean;
  PROTECTED_NAMESPACES: string[];
  FALCO_NAMESPACE: string;
  RIPOSTE_NAMESPACE: string;
  ALLOW_DAEMONSET_PODS: boolean;
  ALLOW_MIRROR_PODS: boolean;
}

export function safetyPolicyFrom(config: KubernetesActionerConfig): SafetyPolicy {
  return {
    protectedNamespaces: [
      ...new Set([...config.PROTECTED_NAMESPACES, config.FALCO_NAMESPACE, config.RIPOSTE_NAMESPACE]),
    ],
    allowDaemonSetPods: config.ALLOW_DAEMONSET_PODS,
    allowMirrorPods: config.ALLOW_MIRROR_PODS,
  };
}
