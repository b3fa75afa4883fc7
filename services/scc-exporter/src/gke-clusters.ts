// Which GKE cluster an alert is about. Falco only knows a cluster *name* (a falcosidekick customfield),
// while Google Cloud names a cluster `projects/P/locations/L/clusters/C`; the operator maps one to the
// other in CLUSTERS, the cluster map the Kubernetes actioners read too (one parser, in
// @riposte/service-kit/gcp). Findings name GKE resources, so here every entry must be a GKE cluster.
// With exactly one entry, alerts that name no cluster are about that one.
import {
  CLUSTERS_EXAMPLE,
  type ClusterMap,
  clustersSchema,
  GKE_CLUSTER_PATH_FORM,
  type GkeClusterEntry,
} from "@riposte/service-kit/gcp";
import { z } from "zod";

/** A GKE cluster as Google Cloud names it, and the name alerts use for it (its key in CLUSTERS). */
export interface GkeCluster extends GkeClusterEntry {
  alias: string;
}

export type GkeClusterMap = ReadonlyMap<string, GkeCluster>;

/** The GKE clusters of the map, or the problem of each entry that is not one. */
function gkeClustersOf(map: ClusterMap): { clusters: GkeClusterMap } | { problems: string[] } {
  const clusters = new Map<string, GkeCluster>();
  const problems: string[] = [];
  for (const [alias, entry] of Object.entries(map)) {
    if (entry.kind === "gke") clusters.set(alias, { ...entry, alias });
    else
      problems.push(
        `${JSON.stringify(alias)}: the scc-exporter needs a GKE cluster path ("${GKE_CLUSTER_PATH_FORM}"), not a ${entry.kind === "context" ? "kubeconfig context" : "server URL"}; e.g. ${CLUSTERS_EXAMPLE}`,
      );
  }
  return problems.length > 0 ? { problems } : { clusters };
}

/** CLUSTERS as a zod schema (for the descriptor's env): JSON text → GkeClusterMap. */
export const gkeClustersEnv = clustersSchema.transform((map, context): GkeClusterMap => {
  const result = gkeClustersOf(map);
  if ("clusters" in result) return result.clusters;
  for (const message of result.problems) context.addIssue({ code: "custom", message });
  return z.NEVER;
});

/** Parses CLUSTERS; throws an Error naming each offending key and value and the form expected. */
export function parseGkeClusterMap(json: string): GkeClusterMap {
  const result = gkeClustersEnv.safeParse(json);
  if (result.success) return result.data;
  throw new Error(result.error.issues.map((issue) => issue.message).join("; "));
}

export type GkeClusterResolution = { ok: true; cluster: GkeCluster } | { ok: false; reason: string };

/** The cluster an alert is about: the one it names, or the only one configured when it names none. */
export function resolveGkeCluster(map: GkeClusterMap, clusterName: string | undefined): GkeClusterResolution {
  const known = [...map.keys()].join(", ");
  if (clusterName !== undefined) {
    const cluster = map.get(clusterName);
    return cluster
      ? { ok: true, cluster }
      : { ok: false, reason: `cluster "${clusterName}" is not in CLUSTERS (known: ${known})` };
  }
  const [only, ...others] = map.values();
  if (only && others.length === 0) return { ok: true, cluster: only };
  return {
    ok: false,
    reason: `the alert names no cluster and CLUSTERS maps ${map.size} (${known}), so none is the default`,
  };
}

/** What a Kubernetes object in an alert is: a pod, a node, or (neither known) the cluster itself. */
export interface KubernetesObjectRef {
  namespace?: string | undefined;
  pod?: string | undefined;
  node?: string | undefined;
}

/**
 * The full resource name (Cloud Asset Inventory form) of the object: the pod when namespace and pod
 * are known, else the node, else the cluster:
 * `//container.googleapis.com/projects/P/locations/L/clusters/C/k8s/namespaces/N/pods/POD`.
 */
export function gkeResourceName(cluster: GkeCluster, object: KubernetesObjectRef): string {
  const base = `//container.googleapis.com/${cluster.resource}`;
  if (object.namespace !== undefined && object.pod !== undefined) {
    return `${base}/k8s/namespaces/${object.namespace}/pods/${object.pod}`;
  }
  if (object.node !== undefined) return `${base}/k8s/nodes/${object.node}`;
  return base;
}
