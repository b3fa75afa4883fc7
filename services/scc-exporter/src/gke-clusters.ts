// Which GKE cluster an alert is about. Falco only knows a cluster *name* (a falcosidekick customfield),
// while Google Cloud names a cluster `projects/P/locations/L/clusters/C`; the operator maps one to the
// other in one env variable, GKE_CLUSTERS, a JSON object:
//   GKE_CLUSTERS={"prod-eu":"projects/acme-prod/locations/europe-west1/clusters/prod-eu"}
// With exactly one entry, alerts that name no cluster are about that one. Written to be reused as is by
// every service that needs the GKE cluster of an alert (the Kubernetes actioners too).
import { isClusterName } from "@riposte/falco-event";
import { z } from "zod";

/** A GKE cluster as Google Cloud names it. */
export interface GkeCluster {
  /** The name alerts use for it (the key in GKE_CLUSTERS). */
  alias: string;
  project: string;
  location: string;
  cluster: string;
  /** `projects/P/locations/L/clusters/C`. */
  path: string;
}

export type GkeClusterMap = ReadonlyMap<string, GkeCluster>;

const PROJECT_ID = "[a-z][a-z0-9-]{4,28}[a-z0-9]";
// GKE locations are regions (europe-west1) or zones (europe-west1-b).
const LOCATION = "[a-z]+(?:-[a-z0-9]+)+";
// GKE cluster names: lowercase letters, digits and hyphens, starting with a letter, at most 40 chars.
const CLUSTER = "[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?";
const CLUSTER_PATH = new RegExp(`^projects/(${PROJECT_ID})/locations/(${LOCATION})/clusters/(${CLUSTER})$`);

export const GKE_CLUSTERS_EXAMPLE =
  '{"prod-eu":"projects/acme-prod/locations/europe-west1/clusters/prod-eu"}' as const;

/** Parses GKE_CLUSTERS; throws an Error naming the offending key and value and the form expected. */
export function parseGkeClusterMap(json: string): GkeClusterMap {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new Error(`not JSON (${(error as Error).message}); expected e.g. ${GKE_CLUSTERS_EXAMPLE}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(
      `expected a JSON object mapping cluster names to cluster paths, e.g. ${GKE_CLUSTERS_EXAMPLE}`,
    );
  }
  const map = new Map<string, GkeCluster>();
  for (const [alias, value] of Object.entries(parsed)) {
    if (!isClusterName(alias)) {
      throw new Error(
        `key ${JSON.stringify(alias)} is not a cluster name (a DNS-1123 label, as alerts carry it)`,
      );
    }
    const match = typeof value === "string" ? CLUSTER_PATH.exec(value) : null;
    if (!match) {
      throw new Error(
        `${JSON.stringify(alias)}: ${JSON.stringify(value)} is not a GKE cluster path; expected "projects/PROJECT_ID/locations/LOCATION/clusters/CLUSTER", e.g. "projects/acme-prod/locations/europe-west1/clusters/prod-eu"`,
      );
    }
    const [path, project = "", location = "", cluster = ""] = match;
    map.set(alias, { alias, project, location, cluster, path });
  }
  if (map.size === 0) {
    throw new Error(`maps no cluster; expected at least one entry, e.g. ${GKE_CLUSTERS_EXAMPLE}`);
  }
  return map;
}

/** The env variable as a zod schema (for a descriptor's env): JSON text → GkeClusterMap. */
export const gkeClustersEnv = z.string().transform((json, context): GkeClusterMap => {
  try {
    return parseGkeClusterMap(json);
  } catch (error) {
    context.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});

export type GkeClusterResolution = { ok: true; cluster: GkeCluster } | { ok: false; reason: string };

/** The cluster an alert is about: the one it names, or the only one configured when it names none. */
export function resolveGkeCluster(map: GkeClusterMap, clusterName: string | undefined): GkeClusterResolution {
  const known = [...map.keys()].join(", ");
  if (clusterName !== undefined) {
    const cluster = map.get(clusterName);
    return cluster
      ? { ok: true, cluster }
      : { ok: false, reason: `cluster "${clusterName}" is not in GKE_CLUSTERS (known: ${known})` };
  }
  const [only, ...others] = map.values();
  if (only && others.length === 0) return { ok: true, cluster: only };
  return {
    ok: false,
    reason: `the alert names no cluster and GKE_CLUSTERS maps ${map.size} (${known}), so none is the default`,
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
  const base = `//container.googleapis.com/${cluster.path}`;
  if (object.namespace !== undefined && object.pod !== undefined) {
    return `${base}/k8s/namespaces/${object.namespace}/pods/${object.pod}`;
  }
  if (object.node !== undefined) return `${base}/k8s/nodes/${object.node}`;
  return base;
}
