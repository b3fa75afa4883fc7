// Links the notifier adds to its messages: the Cloud Trace console for the message's trace and the
// Security Command Center console for the incident's finding. They are built only from validated ids
// (incident key, trace id, project id, SCC source name), never from alert text, so an attacker cannot
// choose where a link points. The URLs and names are @riposte/service-kit/gcp's, as the scc-exporter
// and the CLI build them.
import {
  findingConsoleUrl,
  isFindingConsoleUrl,
  isTraceConsoleUrl,
  parseFindingsLocation,
  traceConsoleUrl,
} from "@riposte/service-kit/gcp";

export { SCC_LOCATION, SCC_PARENT_SCOPE, SCC_SOURCE_NAME, traceConsoleUrl } from "@riposte/service-kit/gcp";

/** W3C traceparent: version-traceid-parentid-flags. */
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/;
const ZERO_TRACE_ID = "0".repeat(32);
const INCIDENT_KEY = /^[0-9a-f]{32}$/;

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
  const where = parseFindingsLocation({
    sourceName: scc.sourceName,
    scope: scc.parentScope,
    location: scc.location,
  });
  return where && INCIDENT_KEY.test(incident) ? findingConsoleUrl(where, incident) : undefined;
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
  return isTraceConsoleUrl(url) || isFindingConsoleUrl(url);
}
