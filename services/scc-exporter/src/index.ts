// @riposte/scc-exporter: Security Command Center v2 findings for Riposte incidents.
export { createApp, type SccExporterDeps } from "./app.js";
export { sccExporterDescriptor, sccExporterEnv } from "./descriptor.js";
export {
  createFindingExporter,
  EXPORT_ACTION,
  type ExportContext,
  type FindingExporter,
  type FindingExporterOptions,
  KILL_ACTION,
  SERVICE_NAME,
} from "./exporter.js";
export {
  alertSourceProperties,
  categoryOf,
  EXPORTED_OUTPUT_FIELDS,
  type FindingWrite,
  type IncidentFindingInput,
  incidentFinding,
  outcomeProperties,
  outcomePropertyKey,
  sccSeverityOf,
  traceLinkOf,
} from "./finding.js";
export {
  type GkeCluster,
  type GkeClusterMap,
  gkeClustersEnv,
  gkeResourceName,
  parseGkeClusterMap,
  resolveGkeCluster,
} from "./gke-clusters.js";
export {
  createSccApi,
  DEFAULT_SCC_CLIENT_OPTIONS,
  type Finding,
  type FindingState,
  type SccApi,
  type SccClientOptions,
  SccError,
  securityCenterClientOptions,
} from "./scc-client.js";
export {
  type FindingsLocation,
  findingNameOf,
  findingsLocation,
  parseSccSourceName,
  type SccSourceName,
} from "./scc-names.js";
export { SourceNotUsableError, verifySource } from "./verify-source.js";
