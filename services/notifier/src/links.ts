// Links the notifier adds to its messages: the Cloud Trace console for the message's trace and the
// Security Command Center console for the incident's finding. They are built only from validated ids
// (incident key, trace id, project id, SCC source name), never from alert text, so an attacker cannot
// choose where a link points.

/** W3C traceparent: version-traceid-parentid-flags. */
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/;
const ZERO_TRACE_ID = "0".repeat(32);
/** GCP project ids: 6–30 characters, lowercase letters, digits and hyphens, starting with a letter. */
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const INCIDENT_KEY = /^[0-9a-f]{32}$/;
/** An organization-level SCC source, as `riposte scc setup` prints it. */
export const SCC_SOURCE_NAME = /^organizations\/([0-9]+)\/sources\/([0-9]+)$/;
export const SCC_LOCATION = /^[a-z][a-z0-9-]{0,62}$/;
/** Where the scc-exporter addresses findings when not under the organization (SCC_PARENT_SCOPE). */
export const SCC_PARENT_SCOPE =
  /^(?:organizations\/[0-9]+|folders\/[0-9]+|projects\/(?:[a-z][a-z0-9-]{4,28}[a-z0-9]|[0-9]+))$/;

/** The attributes a message's trace context travels in (@google-cloud/pubsub's, then plain W3C). */
export const TRACEPARENT_ATTRIBUTES = ["googclient_traceparent", "traceparent"] as const;

/**
 * The trace id of a received message when its trace was sampled (otherwise Cloud Trace has nothing to
 * show). Handlers prefer the active span's ids (the push span continues the message's context); this
 * reads the propagated attribute, for when tracing is not running in this process.
 */
export function traceIdOfMessage(attributes: Readonly<Record<string, string>>): string | undefined {
  for (const name of TRACEPARENT_ATTRIBUTES) {
    const match = TRACEPARENT.exec(attributes[name] ?? "");
    const traceId = match?.[1];
    const sampled = (Number.parseInt(match?.[2] ?? "0", 16) & 1) === 1;
    if (traceId && traceId !== ZERO_TRACE_ID && sampled) return traceId;
  }
  return undefined;
}

/** The Cloud Trace console page of one trace, or undefined when the ids are not valid. */
export function traceConsoleUrl(projectId: string, traceId: string): string | undefined {
  if (!PROJECT_ID.test(projectId) || !/^[0-9a-f]{32}$/.test(traceId)) return undefined;
  const query = new URLSearchParams({ project: projectId, tid: traceId });
  return `https://console.cloud.google.com/traces/list?${query}`;
}

export interface SccFindingLocation {
  /** `organizations/O/sources/S`. */
  sourceName: string;
  /** SCC v2 location (e.g. `global`); omitted from the finding name when unset. */
  location?: string;
  /** `projects/P` or `folders/F` when findings are written there instead of under the organization. */
  parentScope?: string;
}

/**
 * The SCC console page of the finding the scc-exporter writes for `incident` (finding id = incident
 * key). The console takes the organization and the finding's resource name (`resourceId`), the form
 * SCC integrations such as Cortex XSOAR's link back with.
 */
export function sccFindingConsoleUrl(scc: SccFindingLocation, incident: string): string | undefined {
  const source = SCC_SOURCE_NAME.exec(scc.sourceName);
  const organization = source?.[1];
  if (!organization || !INCIDENT_KEY.test(incident)) return undefined;
  if (scc.location !== undefined && !SCC_LOCATION.test(scc.location)) return undefined;
  if (scc.parentScope !== undefined && !SCC_PARENT_SCOPE.test(scc.parentScope)) return undefined;
  const location = scc.location === undefined ? "" : `/locations/${scc.location}`;
  const scope = scc.parentScope ?? `organizations/${organization}`;
  const query = new URLSearchParams({
    organizationId: organization,
    resourceId: `${scope}/sources/${source?.[2]}${location}/findings/${incident}`,
  });
  return `https://console.cloud.google.com/security/command-center/findings?${query}`;
}

/** The links one message carries, each present only when known. */
export interface MessageLinks {
  trace?: string;
  sccFinding?: string;
}

export interface LinkSettings {
  /** The project of Cloud Trace when traces are exported there; without it no trace link is made. */
  traceProjectId?: string;
  scc?: SccFindingLocation;
}

export function linksFor(
  settings: LinkSettings,
  incident: string,
  traceId: string | undefined,
): MessageLinks {
  const trace =
    traceId && settings.traceProjectId ? traceConsoleUrl(settings.traceProjectId, traceId) : undefined;
  const sccFinding = settings.scc ? sccFindingConsoleUrl(settings.scc, incident) : undefined;
  return { ...(trace ? { trace } : {}), ...(sccFinding ? { sccFinding } : {}) };
}

/** True for the links the notifier itself writes (tests pass this to findSlackInjections). */
export function isNotifierLink(url: string): boolean {
  return (
    url.startsWith("https://console.cloud.google.com/traces/list?") ||
    url.startsWith("https://console.cloud.google.com/security/command-center/findings?")
  );
}
