// Operator tasks behind `riposte scc setup|findings`: create Riposte's source under an organization
// (sources exist only there) and list the findings of that source. The CLI only parses arguments and
// prints; this module does the SCC work, against whichever endpoint is configured.
import { z } from "zod";
import { type Finding, type FindingState, type SccApi, SccError, type Source } from "./scc-client.js";
import {
  type FindingsLocation,
  findingsLocation,
  parseSccSourceName,
  type SccSourceName,
  sccLocationEnv,
  sccScopeEnv,
  sccSourceNameEnv,
} from "./scc-names.js";

export { createSccApi, type SccApi, SccError } from "./scc-client.js";
export {
  type FindingsLocation,
  findingsLocation,
  parseOrganization,
  type SccSourceName,
} from "./scc-names.js";

export const DEFAULT_SOURCE_DISPLAY_NAME = "Riposte";
export const DEFAULT_SOURCE_DESCRIPTION =
  "Falco runtime alerts on GKE and the automatic responses Riposte took (https://falco.org)";

/** What the CLI reads from the environment (every variable optional: `riposte dev` fills the gaps). */
export const sccAdminEnv = z.object({
  SCC_SOURCE_NAME: sccSourceNameEnv.optional(),
  SCC_LOCATION: sccLocationEnv.optional(),
  SCC_PARENT_SCOPE: sccScopeEnv.optional(),
  SCC_ENDPOINT: z
    .string()
    .regex(/^[^\s/]+:[0-9]{1,5}$/, { error: "expected host:port, e.g. 127.0.0.1:50551" })
    .optional(),
});
export type SccAdminConfig = z.output<typeof sccAdminEnv>;

/** Which SCC the CLI talks to, and Riposte's source there when known. */
export interface SccTarget {
  /** host:port of a plaintext endpoint; undefined = the real API with Application Default Credentials. */
  endpoint: string | undefined;
  source: SccSourceName | undefined;
  where: FindingsLocation | undefined;
  describe: string;
}

/**
 * The environment wins as a whole (SCC_ENDPOINT or SCC_SOURCE_NAME set → only the environment is
 * used, so a real source is never paired with the local stand-in); otherwise a running `riposte dev`
 * gives its stand-in and source; otherwise the real API, with no source.
 */
export function resolveSccTarget(
  config: SccAdminConfig,
  dev: { sccEndpoint?: string | undefined; sccSourceName?: string | undefined } | undefined,
): SccTarget {
  const fromEnv = config.SCC_ENDPOINT !== undefined || config.SCC_SOURCE_NAME !== undefined;
  const endpoint = fromEnv ? config.SCC_ENDPOINT : dev?.sccEndpoint;
  const source = fromEnv
    ? config.SCC_SOURCE_NAME
    : dev?.sccSourceName
      ? parseSccSourceName(dev.sccSourceName)
      : undefined;
  const where = source
    ? findingsLocation({ source, scope: config.SCC_PARENT_SCOPE, location: config.SCC_LOCATION })
    : undefined;
  const origin = fromEnv ? "" : dev?.sccEndpoint ? " (riposte dev)" : "";
  return {
    endpoint,
    source,
    where,
    describe: endpoint ? `SCC stand-in ${endpoint}${origin}` : "securitycenter.googleapis.com",
  };
}

export interface EnsureSourceResult {
  source: Source & { name: string };
  created: boolean;
}

/** Finds the source named `displayName` under `organization`, or creates it (ListSources, then CreateSource). */
export async function ensureSource(
  scc: SccApi,
  options: { organization: string; displayName?: string; description?: string },
): Promise<EnsureSourceResult> {
  const displayName = options.displayName ?? DEFAULT_SOURCE_DISPLAY_NAME;
  const existing = (await scc.listSources(options.organization)).find(
    (source) => source.displayName === displayName,
  );
  if (existing?.name) return { source: { ...existing, name: existing.name }, created: false };
  try {
    const created = await scc.createSource(options.organization, {
      displayName,
      description: options.description ?? DEFAULT_SOURCE_DESCRIPTION,
    });
    return { source: { ...created, name: created.name ?? "" }, created: true };
  } catch (error) {
    // Two setups at once: the other one created it between our list and our create.
    if (error instanceof SccError && error.codeName === "ALREADY_EXISTS") {
      const raced = (await scc.listSources(options.organization)).find(
        (source) => source.displayName === displayName,
      );
      if (raced?.name) return { source: { ...raced, name: raced.name }, created: false };
    }
    throw error;
  }
}

/** One action outcome recorded on a finding (`riposte_<service>` properties). */
export interface RecordedAction {
  /** The service's property key without the prefix, e.g. `pod_killer`. */
  service: string;
  result: string;
  action?: string;
  reason?: string;
  at?: string;
}

/** A finding as `riposte scc findings` shows it. */
export interface FindingRow {
  id: string;
  name: string;
  category: string;
  severity: string;
  resource: string;
  state: string;
  /** RFC 3339 with the precision stored. */
  eventTime: string;
  externalUri: string;
  actions: RecordedAction[];
}

export const FINDING_STATES = ["ACTIVE", "INACTIVE"] as const;

/** The findings of Riposte's source, newest first; `state` filters on ACTIVE or INACTIVE. */
export async function listFindingRows(
  scc: SccApi,
  where: FindingsLocation,
  options: { state?: FindingState } = {},
): Promise<FindingRow[]> {
  const rows: FindingRow[] = [];
  const filter = options.state ? `state="${options.state}"` : undefined;
  for await (const { finding, resourceName } of scc.listFindings(where.parent, {
    ...(filter ? { filter } : {}),
    orderBy: "event_time desc",
  })) {
    rows.push(findingRow(finding, resourceName));
  }
  return rows;
}

export function findingRow(finding: Finding, resourceName = finding.resourceName ?? ""): FindingRow {
  const name = finding.name ?? "";
  const properties = finding.sourceProperties ?? {};
  const text = (key: string): string | undefined => {
    const value = properties[key];
    if (!value) return undefined;
    if (typeof value.stringValue === "string") return value.stringValue;
    if (typeof value.numberValue === "number") return String(value.numberValue);
    if (typeof value.boolValue === "boolean") return String(value.boolValue);
    return undefined;
  };
  const actions: RecordedAction[] = [];
  for (const key of Object.keys(properties).sort()) {
    const match = /^riposte_([a-z0-9_]+)$/.exec(key);
    if (!match || /_(reason|at|action)$/.test(key)) continue;
    const result = text(key);
    if (result === undefined) continue;
    const action: RecordedAction = { service: match[1] ?? "", result };
    const actionName = text(`${key}_action`);
    const reason = text(`${key}_reason`);
    const at = text(`${key}_at`);
    if (actionName !== undefined) action.action = actionName;
    if (reason !== undefined) action.reason = reason;
    if (at !== undefined) action.at = at;
    actions.push(action);
  }
  return {
    id: name.slice(name.lastIndexOf("/") + 1),
    name,
    category: finding.category ?? "",
    severity: String(finding.severity ?? ""),
    resource: resourceName,
    state: String(finding.state ?? ""),
    eventTime: isoOfTimestamp(finding.eventTime),
    externalUri: finding.externalUri ?? "",
    actions,
  };
}

/** A protobuf Timestamp as RFC 3339, keeping nanoseconds when there are any. */
export function isoOfTimestamp(timestamp: Finding["eventTime"]): string {
  if (!timestamp) return "";
  const seconds = Number(timestamp.seconds ?? 0);
  const nanos = timestamp.nanos ?? 0;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (nanos === 0) return `${base}Z`;
  const fraction = String(nanos).padStart(9, "0").replace(/0+$/, "");
  return `${base}.${fraction}Z`;
}

/** The rows as an aligned text table (one line per finding), for a terminal. */
export function formatFindingTable(rows: readonly FindingRow[]): string {
  if (rows.length === 0) return "no findings";
  const header = ["ID", "CATEGORY", "SEVERITY", "STATE", "EVENT TIME", "RESOURCE", "ACTIONS"];
  const lines = rows.map((row) => [
    row.id,
    row.category,
    row.severity,
    row.state,
    row.eventTime,
    row.resource,
    row.actions.map((action) => `${action.service}=${action.result}`).join(" ") || "-",
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? "").length)),
  );
  return [header, ...lines]
    .map((cells) =>
      cells
        .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
