// The scc-exporter: records each incident as a Security Command Center v2 finding (ExportFinding
// commands) and adds the other services' action outcomes to it (action-outcomes).
import { Topics } from "@riposte/contracts";
import { LedgerEnv } from "@riposte/ledger";
import { DEFAULT_RUNTIME, envBoolean, type ServiceDescriptor, sensitive } from "@riposte/service-kit";
import { z } from "zod";
import { gkeClustersEnv } from "./gke-clusters.js";
import { DEFAULT_SCC_CLIENT_OPTIONS } from "./scc-client.js";
import { sccLocationEnv, sccScopeEnv, sccSourceNameEnv } from "./scc-names.js";

export const sccExporterEnv = z.object({
  SCC_SOURCE_NAME: sccSourceNameEnv.describe(
    "Riposte's source, `organizations/O/sources/S`, as `riposte scc setup` prints it.",
  ),
  SCC_LOCATION: sccLocationEnv
    .optional()
    .describe("Finding location (data residency), e.g. `global`; unset = no location in names (global)."),
  SCC_PARENT_SCOPE: sccScopeEnv
    .optional()
    .describe("Write findings under `projects/P` (or `folders/F`) instead of the source's organization."),
  SCC_ENDPOINT: z
    .string()
    .regex(/^[^\s/]+:[0-9]{1,5}$/, { error: "expected host:port, e.g. 127.0.0.1:50551" })
    .optional()
    .describe("host:port of a plaintext gRPC SCC (the local stand-in); unset = the real API with ADC."),
  SCC_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .max(20_000)
    .default(DEFAULT_SCC_CLIENT_OPTIONS.timeoutMs)
    .describe("Deadline of one SCC call."),
  // Sensitive: the actioners' map, which this service is given too, may carry bearer tokens.
  CLUSTERS: sensitive(
    gkeClustersEnv.describe(
      'JSON map of cluster names (as alerts spell them) to GKE clusters, e.g. {"prod-eu":"projects/p/locations/europe-west1/clusters/prod-eu"}.',
    ),
  ),
  GKE_CLUSTERS: sensitive(
    z
      .never({ error: "renamed CLUSTERS: set CLUSTERS to the same value (riposte deploy plan does)" })
      .optional()
      .describe(
        "The former name of CLUSTERS: a service still configured with it refuses to start, saying so.",
      ),
  ),
  MARK_INACTIVE_AFTER_KILL: envBoolean
    .default(false)
    .describe("Set the finding INACTIVE once a kill-pod outcome reports the pod killed."),
  SCC_VERIFY_SOURCE: envBoolean
    .default(true)
    .describe("Check at start-up that SCC_SOURCE_NAME exists (GetSource); a missing source stops the start."),
  // The incident ledger: each finding's name and the export's outcome on the incident's timeline.
  ...LedgerEnv,
});

export const sccExporterDescriptor = {
  name: "scc-exporter",
  description: "Writes one Security Command Center finding per incident and records the actions taken on it",
  localPortOffset: 4,
  inputs: [
    { topic: Topics.sccExporter, path: "/", accepts: ["ExportFinding"] },
    { topic: Topics.actionOutcomes, path: "/outcomes", accepts: ["ActionOutcome"] },
  ],
  publishes: [Topics.actionOutcomes, Topics.quarantine],
  kubernetes: [],
  gcpRoles: [
    {
      role: "roles/securitycenter.findingsEditor",
      on: { kind: "organization" },
      reason: "write findings of Riposte's source (UpdateFinding, SetFindingState, ListFindings, GetSource)",
    },
  ],
  env: sccExporterEnv,
  runtime: {
    ...DEFAULT_RUNTIME,
    // A finding is a record, not a response: no hurry, but Security Command Center's UNAVAILABLE and
    // per-minute quotas are waited out — from 10 s doubling to 5 min, 10 deliveries: ~25 min (1510 s).
    redelivery: { minimumBackoffSeconds: 10, maximumBackoffSeconds: 300, maxDeliveryAttempts: 10 },
  },
  localEnv: (local) => ({
    SCC_ENDPOINT: local.sccEndpoint,
    SCC_SOURCE_NAME: local.sccSourceName,
    // The simulated cluster stands for one GKE cluster; alerts without a cluster name are about it.
    CLUSTERS: JSON.stringify({ local: "projects/riposte-local/locations/europe-west1/clusters/local" }),
  }),
} satisfies ServiceDescriptor<typeof sccExporterEnv>;
export default sccExporterDescriptor;
