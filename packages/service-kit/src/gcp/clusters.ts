// The cluster map, the CLUSTERS variable of every service that acts on or names an alert's cluster: a
// JSON object from the cluster names alerts carry to how to reach each cluster — a GKE cluster by its
// path, a kubeconfig context (local), or an API server (the simulated cluster):
//   CLUSTERS={"prod-eu":"projects/acme-prod/locations/europe-west1/clusters/prod-eu","dev":"context:kind-dev"}
// One parser for all of them, so a map one service accepts is never refused by another.
import { isClusterName } from "@riposte/contracts";
import { z } from "zod";
import { PROJECT_ID_PATTERN } from "./project.js";

/** A GKE cluster, `projects/P/locations/L/clusters/C` (its `resource`). */
export interface GkeClusterEntry {
  kind: "gke";
  resource: string;
  project: string;
  location: string;
  cluster: string;
}

export type ClusterEntry =
  | GkeClusterEntry
  | { kind: "context"; context: string }
  | { kind: "server"; server: string; token?: string; caData?: string; insecureSkipTlsVerify?: boolean };

/** Cluster name (as alerts spell it) → how to reach the cluster. */
export type ClusterMap = Record<string, ClusterEntry>;

// GKE locations are regions (europe-west1) or zones (europe-west1-b).
const LOCATION = "[a-z]+(?:-[a-z0-9]+)+";
// GKE cluster names: lowercase letters, digits and hyphens, starting with a letter, at most 40 characters.
const CLUSTER = "[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?";
const GKE_CLUSTER_PATH = new RegExp(
  `^projects/(${PROJECT_ID_PATTERN})/locations/(${LOCATION})/clusters/(${CLUSTER})$`,
);

export const GKE_CLUSTER_PATH_FORM = "projects/PROJECT_ID/locations/LOCATION/clusters/CLUSTER";
export const CLUSTERS_EXAMPLE = '{"prod-eu":"projects/acme-prod/locations/europe-west1/clusters/prod-eu"}';

/** `projects/P/locations/L/clusters/C`. */
export function gkeClusterPath(cluster: { project: string; location: string; cluster: string }): string {
  return `projects/${cluster.project}/locations/${cluster.location}/clusters/${cluster.cluster}`;
}

/** The GKE cluster a path names, or undefined when it is not a GKE cluster path. */
export function parseGkeClusterPath(value: string): GkeClusterEntry | undefined {
  const match = GKE_CLUSTER_PATH.exec(value);
  if (!match) return undefined;
  const [resource, project = "", location = "", cluster = ""] = match;
  return { kind: "gke", resource, project, location, cluster };
}

const serverEntry = z
  .strictObject({
    server: z.url(),
    token: z.string().min(1).optional(),
    caData: z.string().optional(),
    insecureSkipTlsVerify: z.boolean().optional(),
  })
  .transform((entry): ClusterEntry => ({ kind: "server", ...entry }));

function stringEntry(value: string): ClusterEntry | undefined {
  const gke = parseGkeClusterPath(value);
  if (gke) return gke;
  if (value.startsWith("context:") && value.length > 8) return { kind: "context", context: value.slice(8) };
  if (/^https?:\/\//.test(value) && URL.canParse(value)) return { kind: "server", server: value };
  return undefined;
}

/** The entry, or the problems with it; errors come from the form that was meant (a string or an object). */
function clusterEntry(value: unknown): { entry: ClusterEntry } | { problems: string[] } {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const result = serverEntry.safeParse(value);
    if (result.success) return { entry: result.data };
    return {
      problems: result.error.issues.map((issue) =>
        issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message,
      ),
    };
  }
  const entry = typeof value === "string" ? stringEntry(value) : undefined;
  if (entry) return { entry };
  return {
    problems: [
      `${JSON.stringify(value)} is not a GKE cluster path ("${GKE_CLUSTER_PATH_FORM}", e.g. "projects/acme-prod/locations/europe-west1/clusters/prod-eu"), "context:NAME", an http(s) URL or {"server": URL}`,
    ],
  };
}

function jsonObject(text: string): { object: Record<string, unknown> } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { problem: `not JSON (${(error as Error).message}); expected e.g. ${CLUSTERS_EXAMPLE}` };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    return {
      problem: `expected a JSON object mapping cluster names to clusters, e.g. ${CLUSTERS_EXAMPLE}`,
    };
  return { object: parsed as Record<string, unknown> };
}

/** CLUSTERS: JSON text → ClusterMap, with one issue per offending key naming it and the form expected. */
export const clustersSchema = z.string().transform((text, context): ClusterMap => {
  const json = jsonObject(text);
  if ("problem" in json) {
    context.addIssue({ code: "custom", message: json.problem });
    return z.NEVER;
  }
  const map: ClusterMap = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(json.object)) {
    // A name alerts cannot carry would never be chosen (nor would "__proto__" be a plain key).
    if (!isClusterName(name)) {
      problems.push(
        `key ${JSON.stringify(name)} is not a cluster name (a DNS-1123 label, as alerts carry it)`,
      );
      continue;
    }
    const result = clusterEntry(value);
    if ("entry" in result) map[name] = result.entry;
    else problems.push(...result.problems.map((problem) => `${JSON.stringify(name)}: ${problem}`));
  }
  if (problems.length === 0 && Object.keys(map).length === 0)
    problems.push(`maps no cluster; expected at least one entry, e.g. ${CLUSTERS_EXAMPLE}`);
  for (const message of problems) context.addIssue({ code: "custom", message });
  return problems.length > 0 ? z.NEVER : map;
});
