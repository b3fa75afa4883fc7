// @riposte/service-kit/gcp: what Riposte knows about Google Cloud names and links, in one place for
// the services and the CLI — the cluster map (CLUSTERS), project ids, Security Command Center names
// and console links, Cloud Trace's project and console links, Cloud Storage's console links.
export {
  CLUSTERS_EXAMPLE,
  type ClusterEntry,
  type ClusterMap,
  clustersSchema,
  GKE_CLUSTER_PATH_FORM,
  type GkeClusterEntry,
  gkeClusterPath,
  parseGkeClusterPath,
} from "./clusters.js";
export { isProjectId, PROJECT_ID_PATTERN } from "./project.js";
export {
  type FindingsLocation,
  findingConsoleUrl,
  findingConsoleUrlOfName,
  findingNameOf,
  findingsLocationOf,
  isFindingConsoleUrl,
  isSccFindingId,
  parseFindingsLocation,
  parseOrganization,
  parseSccSourceName,
  SCC_LOCATION,
  SCC_PARENT_SCOPE,
  SCC_SOURCE_NAME,
  SCC_SOURCE_NAME_FORM,
  type SccSourceName,
} from "./scc.js";
export { isStorageConsoleUrl, storageConsoleUrl } from "./storage.js";
export { cloudTraceProject, isTraceConsoleUrl, traceConsoleUrl } from "./trace.js";
