// What an incident looks like as an SCC v2 finding, and which fields a write may touch. Pure: the same
// alert always gives the same finding and the same update mask, so a redelivery changes nothing, and
// a finding first written from an action outcome is the one the command would have written.
//
// Everything in the alert is attacker-influenced text; it only ever lands in string values (never in
// keys, names or the category beyond [A-Z0-9_]), and every value is bounded.
import type { ActionOutcome, AlertSummary, Priority, TargetMessage } from "@riposte/contracts";
import { truncateText } from "@riposte/contracts";
import { traceConsoleUrl } from "@riposte/service-kit/gcp";
import type { Finding } from "./scc-client.js";

type ProtoValue = NonNullable<Finding["sourceProperties"]>[string];

/** Longest string kept per source property value. */
export const SOURCE_PROPERTY_MAX_LENGTH = 1024;
/** Most list elements kept per source property (tags, playbooks). */
export const SOURCE_PROPERTY_MAX_ITEMS = 50;
/** Longest description (the alert's output). */
export const DESCRIPTION_MAX_LENGTH = 4096;
/** Longest category. */
export const CATEGORY_MAX_LENGTH = 100;
/** Category used when a rule name has no letter or digit at all. */
export const FALLBACK_CATEGORY = "FALCO_ALERT";

/**
 * Output fields copied into sourceProperties (key: dots → underscores). An allow-list: output fields
 * are whatever a rule's output names, possibly secrets in command lines of other fields; these are
 * the ones an analyst needs to triage a runtime alert.
 */
export const EXPORTED_OUTPUT_FIELDS = [
  "container.id",
  "container.name",
  "container.image",
  "container.image.repository",
  "container.image.tag",
  "k8s.ns.name",
  "k8s.pod.name",
  "k8s.pod.uid",
  "k8smeta.ns.name",
  "k8smeta.pod.name",
  "proc.name",
  "proc.exepath",
  "proc.cmdline",
  "proc.pname",
  "proc.pcmdline",
  "user.name",
  "user.uid",
  "user.loginuid",
  "evt.type",
  "fd.name",
  "fd.sip",
  "fd.sport",
  "fd.cip",
  "fd.cport",
  "ka.user.name",
  "ka.verb",
  "ka.uri",
  "ka.target.resource",
  "ka.target.namespace",
  "ka.target.name",
] as const;

const SEVERITY_BY_PRIORITY: Readonly<Record<Priority, "CRITICAL" | "HIGH" | "MEDIUM" | "LOW">> = {
  Emergency: "CRITICAL",
  Alert: "CRITICAL",
  Critical: "CRITICAL",
  Error: "HIGH",
  Warning: "MEDIUM",
  Notice: "LOW",
  Informational: "LOW",
  Debug: "LOW",
};

/** Falco priority → SCC severity: Emergency/Alert/Critical → CRITICAL, Error → HIGH, Warning → MEDIUM, else LOW. */
export function sccSeverityOf(priority: Priority): "CRITICAL" | "HIGH" | "MEDIUM" | "LOW" {
  return SEVERITY_BY_PRIORITY[priority];
}

/** The rule name as a stable SCC category: `Terminal shell in container` → `TERMINAL_SHELL_IN_CONTAINER`. */
export function categoryOf(rule: string): string {
  const category = rule
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, CATEGORY_MAX_LENGTH)
    .replace(/_+$/, "");
  return category === "" ? FALLBACK_CATEGORY : category;
}

/** A source property key: letters, digits and `_`, starting with a letter (SCC's rule). */
export function propertyKeyOf(name: string): string {
  const key = name.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  return /^[A-Za-z]/.test(key) ? key.slice(0, 255) : `f_${key}`.slice(0, 255);
}

/** The source property an outcome of `service` is recorded under: pod-killer → `riposte_pod_killer`. */
export function outcomePropertyKey(service: string): string {
  return `riposte_${propertyKeyOf(service).toLowerCase()}`;
}

export interface WireTimestamp {
  seconds: string;
  nanos: number;
}

// The client encodes a Date as an empty Timestamp without complaint (measured): build seconds+nanos.
/** Nanoseconds since the epoch (decimal string) → protobuf Timestamp. */
export function timestampOfNanos(nanos: string): WireTimestamp {
  const value = BigInt(nanos);
  const seconds = value / 1_000_000_000n;
  let rest = value % 1_000_000_000n;
  let wholeSeconds = seconds;
  if (rest < 0n) {
    rest += 1_000_000_000n;
    wholeSeconds -= 1n;
  }
  return { seconds: wholeSeconds.toString(), nanos: Number(rest) };
}

/** An ISO timestamp (ms precision) → nanoseconds since the epoch as a decimal string. */
export function nanosOfIso(iso: string): string {
  const millis = Date.parse(iso);
  if (Number.isNaN(millis)) throw new TypeError(`not a timestamp: ${JSON.stringify(iso)}`);
  return (BigInt(millis) * 1_000_000n).toString();
}

/** `proto Value` encodings; plain JS values are refused by the client (measured). */
export function stringValue(text: string): ProtoValue {
  return { stringValue: truncateText(text, SOURCE_PROPERTY_MAX_LENGTH) };
}

function propertyValueOf(value: unknown): ProtoValue | undefined {
  if (typeof value === "string") return stringValue(value);
  if (typeof value === "number") return Number.isFinite(value) ? { numberValue: value } : undefined;
  if (typeof value === "boolean") return { boolValue: value };
  if (Array.isArray(value)) {
    const items = value.filter((item): item is string => typeof item === "string");
    return { listValue: { values: items.slice(0, SOURCE_PROPERTY_MAX_ITEMS).map(stringValue) } };
  }
  return undefined;
}

/** The sanitised sourceProperties of an alert: fixed keys plus the allow-listed output fields. */
export function alertSourceProperties(
  incident: string,
  alert: AlertSummary,
  target: TargetMessage,
  playbooks: readonly string[] | undefined,
): Record<string, ProtoValue> {
  const properties: Record<string, ProtoValue> = {
    incident: stringValue(incident),
    rule: stringValue(alert.rule),
    priority: stringValue(alert.priority),
    tags: propertyValueOf(alert.tags) as ProtoValue,
  };
  if (alert.source !== undefined) properties.source = stringValue(alert.source);
  if (alert.hostname !== undefined) properties.hostname = stringValue(alert.hostname);
  if (target.cluster !== undefined) properties.cluster = stringValue(target.cluster);
  if (playbooks !== undefined) properties.playbooks = propertyValueOf(playbooks) as ProtoValue;
  for (const field of EXPORTED_OUTPUT_FIELDS) {
    if (!Object.hasOwn(alert.outputFields, field)) continue;
    const value = propertyValueOf(alert.outputFields[field]);
    if (value !== undefined) properties[propertyKeyOf(field)] = value;
  }
  return properties;
}

export interface IncidentFindingInput {
  /** The finding's full name (…/findings/<incident key>). */
  name: string;
  incident: string;
  alert: AlertSummary;
  target: TargetMessage;
  /** The GKE resource (see gkeResourceName). */
  resourceName: string;
  /** Known from commands only; left untouched when undefined. */
  playbooks?: readonly string[] | undefined;
  /** Cloud Trace link; left untouched when undefined. */
  externalUri?: string | undefined;
  /**
   * Upper bound for event_time: a node clock running ahead must not make the finding "in the future"
   * (SCC refuses that). Use a time fixed per message (the command's issuedAt, the outcome's at) so a
   * redelivery writes the same value.
   */
  notAfter: string;
}

export interface FindingWrite {
  finding: Finding & { name: string };
  /** UpdateFinding mask: what an existing finding gets; on creation every field sent is stored. */
  updateMask: string[];
}

/**
 * The finding for an incident and its update mask. The mask leaves out category and resource_name
 * (immutable: set once, at creation) and state (an analyst or MARK_INACTIVE_AFTER_KILL owns it after
 * creation); source properties are masked one by one, so the actions' `riposte_*` properties stay.
 */
/** 0001-01-01T00:00:00Z, the earliest instant a protobuf Timestamp can carry. */
const TIMESTAMP_MIN_NANOS = -62135596800n * 1_000_000_000n;

export function incidentFinding(input: IncidentFindingInput): FindingWrite {
  const alertNanos = BigInt(input.alert.timeNs);
  const boundNanos = BigInt(nanosOfIso(input.notAfter));
  // protobuf Timestamps start at 0001-01-01: an earlier (or nonsense) alert time would be refused or
  // wrap around, and the finding would never be written.
  const earliest = TIMESTAMP_MIN_NANOS;
  const eventNanos = alertNanos < earliest ? earliest : alertNanos < boundNanos ? alertNanos : boundNanos;
  const sourceProperties = alertSourceProperties(input.incident, input.alert, input.target, input.playbooks);
  const finding: FindingWrite["finding"] = {
    name: input.name,
    category: categoryOf(input.alert.rule),
    resourceName: input.resourceName,
    state: "ACTIVE",
    severity: sccSeverityOf(input.alert.priority),
    findingClass: "THREAT",
    eventTime: timestampOfNanos(eventNanos.toString()),
    description: truncateText(input.alert.output, DESCRIPTION_MAX_LENGTH),
    sourceProperties,
  };
  const updateMask = ["severity", "finding_class", "event_time", "description"];
  if (input.externalUri !== undefined) {
    finding.externalUri = input.externalUri;
    updateMask.push("external_uri");
  }
  for (const key of Object.keys(sourceProperties).sort()) updateMask.push(`source_properties.${key}`);
  return { finding, updateMask };
}

/**
 * The source properties recording one action outcome: `riposte_<service>` = result, `…_action`,
 * `…_reason`, `…_at`; for an isolation also `…_enforced` (does the cluster enforce NetworkPolicies:
 * "true", "false" or "unknown" — a deny-all policy on a cluster that does not cuts nothing off) and
 * `…_enforcement` (why).
 */
export function outcomeProperties(outcome: {
  service: string;
  action: string;
  result: string;
  reason: string;
  at: string;
  details?: ActionOutcome["details"];
}): Record<string, ProtoValue> {
  const key = outcomePropertyKey(outcome.service);
  const { enforced, enforcement } = outcome.details ?? {};
  return {
    [key]: stringValue(outcome.result),
    [`${key}_action`]: stringValue(outcome.action),
    [`${key}_reason`]: stringValue(outcome.reason),
    [`${key}_at`]: stringValue(outcome.at),
    ...(enforced !== undefined ? { [`${key}_enforced`]: stringValue(String(enforced)) } : {}),
    ...(enforcement !== undefined ? { [`${key}_enforcement`]: stringValue(enforcement) } : {}),
  };
}

/** A Cloud Trace console link for a W3C traceparent (`00-<trace id>-<span id>-<flags>`), if valid. */
export function traceLinkOf(traceparent: string | undefined, projectId: string): string | undefined {
  const traceId = traceparent
    ? /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent)?.[1]
    : undefined;
  // An all-zero trace id is W3C's "invalid": no trace to link to.
  if (!traceId || /^0+$/.test(traceId)) return undefined;
  return traceConsoleUrl(projectId, traceId);
}
