// Parsing a Falco alert, as Falco (0.17 onwards, `json_output: true`) or falcosidekick writes it, or
// inside a Cloud Logging LogEntry as a log sink publishes it (log-entry.ts), into a normalised `FalcoAlert`: priority enum and severity, exact nanosecond time, raw output fields with
// big integers intact, the target it names and its incident key. Never throws: every failure is a
// result naming the JSON path and what was expected, so a push handler can ack and quarantine.

import { isAbsent } from "./absent.js";
import { incidentKeyOf } from "./incident-key.js";
import type { JsonObject, JsonPathError, JsonValue } from "./json.js";
import { createJsonObject, parsePayloadJson, pathWithIndex, pathWithKey } from "./json.js";
import { isLogEntry, type LogEntryReading, readLogEntry } from "./log-entry.js";
import type { Priority } from "./priority.js";
import { PRIORITIES, parsePriority, severityOf } from "./priority.js";
import type { EnvelopeNames, Target, TargetOptions } from "./target.js";
import { extractTarget } from "./target.js";
import { parseRfc3339Nanos } from "./time.js";

export interface FalcoAlert {
  rule: string;
  priority: Priority;
  /** 0 = Emergency … 7 = Debug. */
  severity: number;
  /** `syscall`, `k8s_audit`, `internal`, … Absent in Falco < 0.30 alerts. */
  source?: string;
  /** The `time` string exactly as received. */
  time: string;
  /** `time` as nanoseconds since the epoch: equal for equal instants however they were spelled. */
  timeNs: bigint;
  hostname?: string;
  tags: string[];
  output: string;
  /** `output_fields` as received: integers past 2^53 are exact bigints; null and "<NA>" kept. */
  outputFields: JsonObject;
  /** Added by falcosidekick, new on every receipt, so never part of the incident key. */
  uuid?: string;
  /** Top-level keys this package does not know (e.g. `message`), kept as received. */
  extra: JsonObject;
  target: Target;
  incidentKey: string;
}

export type ParseError = JsonPathError;
export type ParseResult = { ok: true; alert: FalcoAlert } | { ok: false; error: ParseError };

export interface ParseFalcoAlertOptions extends TargetOptions {}

/**
 * What arrived on falco-events: an alert (`via` says in what), one of Falco's log lines that is not an
 * alert (a sink forwards those too: start-up messages; acked and counted, never routed nor quarantined),
 * or a defect (quarantined).
 */
export type FalcoMessageResult =
  | { ok: true; kind: "alert"; alert: FalcoAlert; via: "alert" | "log-entry" }
  | { ok: true; kind: "not-an-alert"; reason: string }
  | { ok: false; error: ParseError };

/** What the LogEntry around an alert adds; absent for an alert sent as itself. */
interface AlertEnvelope {
  names: EnvelopeNames;
  timestamp: string | undefined;
  numbersAreDoubles: boolean;
}

// Falco's output fields that hold the event time itself (as integer nanoseconds, like `time`).
const EVENT_TIME_FIELDS = ["evt.time", "evt.time.iso8601"] as const;

const KNOWN_KEYS = new Set([
  "rule",
  "priority",
  "time",
  "output",
  "output_fields",
  "source",
  "tags",
  "hostname",
  "uuid",
]);

const PRIORITY_NAMES = `${PRIORITIES.join(", ").replace("Informational", "Informational (or Info)")}`;

class AlertShapeError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

function describe(value: JsonValue | undefined): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    return `the string ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)}`;
  }
  return `the ${typeof value} ${String(value)}`;
}

function fieldOf(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function requiredString(alert: JsonObject, key: string, what: string): string {
  const value = fieldOf(alert, key);
  if (typeof value === "string" && value !== "") return value;
  const path = pathWithKey("$", key);
  if (value === undefined) throw new AlertShapeError(path, `missing; ${what}`);
  throw new AlertShapeError(path, `expected a non-empty string (${what}), got ${describe(value)}`);
}

/** A string that may be missing; null and "" count as missing (Go's omitempty, nil pointers). */
function optionalString(alert: JsonObject, key: string): string | undefined {
  const value = fieldOf(alert, key);
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") return value;
  throw new AlertShapeError(pathWithKey("$", key), `expected a string, got ${describe(value)}`);
}

function tagsOf(alert: JsonObject): string[] {
  const value = fieldOf(alert, "tags");
  // falcosidekick omits empty tags; Falco internal alerts have none.
  if (value === undefined || value === null) return [];
  const path = pathWithKey("$", "tags");
  if (!Array.isArray(value))
    throw new AlertShapeError(path, `expected an array of strings, got ${describe(value)}`);
  return value.map((tag, index) => {
    if (typeof tag !== "string") {
      throw new AlertShapeError(pathWithIndex(path, index), `expected a string tag, got ${describe(tag)}`);
    }
    return tag;
  });
}

function outputFieldsOf(alert: JsonObject): JsonObject {
  const value = fieldOf(alert, "output_fields");
  // Absent when json_include_output_fields_property is false (Falco ≥ 0.41); null from a nil Go map.
  if (value === undefined || value === null) return createJsonObject();
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new AlertShapeError(
      pathWithKey("$", "output_fields"),
      `expected an object, got ${describe(value)}`,
    );
  }
  return value;
}

/** The event time: the alert's `time`, or the LogEntry's exact `timestamp` if the agent took `time` out. */
function timeOf(document: JsonObject, envelope: AlertEnvelope | undefined): string {
  if (fieldOf(document, "time") === undefined && envelope?.timestamp !== undefined) return envelope.timestamp;
  return requiredString(document, "time", "the event time in RFC 3339");
}

/**
 * jsonPayload's numbers went through doubles, so a 19-digit evt.time arrives rounded. Where it is the
 * double nearest the exact `time`, it is that instant: put the exact value back, so the alert reads
 * the same as from falcosidekick. Other big integers (container.start_ts, …) stay as received.
 */
function restoreEventTime(outputFields: JsonObject, timeNs: bigint): void {
  const exact = timeNs >= -MAX_SAFE && timeNs <= MAX_SAFE ? Number(timeNs) : timeNs;
  for (const field of EVENT_TIME_FIELDS) {
    const value = fieldOf(outputFields, field);
    if ((typeof value === "number" || typeof value === "bigint") && Number(value) === Number(timeNs)) {
      outputFields[field] = exact;
    }
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function normalise(
  document: JsonValue,
  options: ParseFalcoAlertOptions,
  envelope?: AlertEnvelope,
): FalcoAlert {
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new AlertShapeError("$", `expected a JSON object (a Falco alert), got ${describe(document)}`);
  }
  const rule = requiredString(document, "rule", "every Falco alert names its rule");

  const priorityText = requiredString(document, "priority", `one of ${PRIORITY_NAMES}`);
  const priority = parsePriority(priorityText);
  if (priority === undefined) {
    throw new AlertShapeError(
      "$.priority",
      `unknown priority ${JSON.stringify(priorityText)}; expected one of ${PRIORITY_NAMES} (any case)`,
    );
  }

  const time = timeOf(document, envelope);
  const parsedTime = parseRfc3339Nanos(time);
  if (!parsedTime.ok) throw new AlertShapeError("$.time", parsedTime.message);

  // Absent when json_include_output_property is false; falcosidekick always sends the key.
  const output = optionalString(document, "output") ?? "";
  const outputFields = outputFieldsOf(document);
  if (envelope?.numbersAreDoubles) restoreEventTime(outputFields, parsedTime.ns);
  const source = optionalString(document, "source");
  const hostname = optionalString(document, "hostname");
  const uuid = optionalString(document, "uuid");
  const tags = tagsOf(document);

  const extra = createJsonObject();
  for (const key of Object.keys(document)) {
    if (!KNOWN_KEYS.has(key)) extra[key] = document[key] as JsonValue;
  }

  const target = extractTarget({ outputFields, hostname, source, envelope: envelope?.names }, options);
  // The key uses the raw container.id, not the validated target, so that it stays the same if the
  // target rules change in a later version.
  const rawContainerId = fieldOf(outputFields, "container.id");
  const incidentKey = incidentKeyOf({
    rule,
    hostname,
    containerId: typeof rawContainerId === "string" && !isAbsent(rawContainerId) ? rawContainerId : undefined,
    timeNs: parsedTime.ns,
  });

  const alert: FalcoAlert = {
    rule,
    priority,
    severity: severityOf(priority),
    time,
    timeNs: parsedTime.ns,
    tags,
    output,
    outputFields,
    extra,
    target,
    incidentKey,
  };
  if (source !== undefined) alert.source = source;
  if (hostname !== undefined) alert.hostname = hostname;
  if (uuid !== undefined) alert.uuid = uuid;
  return alert;
}

/** Runs `parse`, turning a shape error into a result (errors inside a LogEntry's alert keep its path). */
function guarded(parse: () => FalcoAlert, within?: LogEntryReading & { kind: "alert" }): FalcoMessageResult {
  try {
    return { ok: true, kind: "alert", alert: parse(), via: within ? "log-entry" : "alert" };
  } catch (error) {
    if (error instanceof AlertShapeError) return { ok: false, error: placed(error, within) };
    // Not expected to happen; kept so that a bug here still cannot crash a push handler.
    return {
      ok: false,
      error: { path: "$", message: `internal error while parsing the alert: ${String(error)}` },
    };
  }
}

/** An alert's error path, placed where the alert sat in its LogEntry. */
function placed(
  error: AlertShapeError,
  within: (LogEntryReading & { kind: "alert" }) | undefined,
): ParseError {
  if (within === undefined) return { path: error.path, message: error.message };
  // jsonPayload holds the alert object itself; textPayload holds it as JSON text, so name both paths.
  if (within.path === "$.jsonPayload")
    return { path: `${within.path}${error.path.slice(1)}`, message: error.message };
  return { path: within.path, message: `${error.path}: ${error.message}` };
}

/**
 * Parses one message of falco-events (raw bytes or text): a Falco alert as Falco or falcosidekick
 * writes it, or a Cloud Logging LogEntry as a log sink publishes it. Never throws.
 */
export function parseFalcoMessage(
  input: string | Uint8Array,
  options: ParseFalcoAlertOptions = {},
): FalcoMessageResult {
  const parsed = parsePayloadJson(input);
  if (!parsed.ok) return parsed;
  const document = parsed.value;
  if (!isLogEntry(document)) return guarded(() => normalise(document, options));
  const reading = readLogEntry(document);
  if (reading.kind === "error") return { ok: false, error: reading.error };
  if (reading.kind === "not-an-alert") return { ok: true, kind: "not-an-alert", reason: reading.reason };
  return guarded(() => normalise(reading.document, options, reading), reading);
}

/**
 * Parses one Falco alert from its JSON text or raw UTF-8 bytes (a Pub/Sub message's data), sent as
 * itself or in a LogEntry (a LogEntry line that is not an alert is an error here). Never throws. Errors carry a path (`$`, `$.priority`, `$.output_fields["k8s.pod.name"]`) and a
 * message naming the offending value and what was expected.
 */
export function parseFalcoAlert(
  input: string | Uint8Array,
  options: ParseFalcoAlertOptions = {},
): ParseResult {
  const message = parseFalcoMessage(input, options);
  if (!message.ok) return message;
  if (message.kind === "not-an-alert") return { ok: false, error: { path: "$", message: message.reason } };
  return { ok: true, alert: message.alert };
}
