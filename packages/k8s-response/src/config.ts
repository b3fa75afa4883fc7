// The environment every Kubernetes actioner reads (spread into its descriptor's env schema).
import { envBoolean, envList } from "@riposte/service-kit";
import { z } from "zod";
import { type ClusterEntry, clustersSchema } from "./cluster.js";
import { DEFAULT_PROTECTED_NAMESPACES, type SafetyPolicy } from "./policy.js";

export const kubernetesActionerEnv = {
  CLUSTERS: clustersSchema.describe(
    "JSON map of cluster names (as alerts spell them) to how to reach each cluster.",
  ),
  DRY_RUN: envBoolean.default(false).describe("plan every command and change nothing (outcome dry-run)"),
  PROTECTED_NAMESPACES: envList
    .default([...DEFAULT_PROTECTED_NAMESPACES])
    .describe("Namespace globs never touched; replaces the defaults when set."),
  FALCO_NAMESPACE: z
    .string()
    .default("falco")
    .describe("Falco's namespace, always protected on top of PROTECTED_NAMESPACES"),
  RIPOSTE_NAMESPACE: z.string().default("riposte").describe("Riposte's own namespace, always protected"),
  ALLOW_DAEMONSET_PODS: envBoolean.default(false).describe("act on pods owned by a DaemonSet"),
  ALLOW_MIRROR_PODS: envBoolean.default(false).describe("act on static (mirror) pods"),
  KUBE_CALL_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe("deadline of each Kubernetes API call (then 503 and redelivery)"),
  GKE_API_ENDPOINT: z.url().optional().describe("Where the GKE API lives; only tests change it."),
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
