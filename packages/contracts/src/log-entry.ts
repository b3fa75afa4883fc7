// A Cloud Logging `LogEntry` as a log sink publishes it to Pub/Sub: Falco's stdout line, collected by
// GKE's logging agent, is either `jsonPayload` (the line was a JSON object: a Falco alert with
// `json_output: true`) or `textPayload` (any other line, e.g. Falco's start-up messages, or an alert
// the agent left as text). This module reads the envelope only; alert.ts parses the alert inside.
//
// What the LogEntry adds is outside Falco's control but not trusted either: `resource.labels` and
// `labels` are strings someone could set, so they are only ever candidates for the target, validated
// like the alert's own names. `resource.labels.namespace_name`/`pod_name` are Falco's own pod, never
// the target's, and are not read at all.

import type { JsonObject, JsonPathError, JsonValue } from "./json.js";
import { parsePayloadJson, pathWithKey } from "./json.js";
import type { EnvelopeNames } from "./target.js";

/** The LogEntry label naming the VM (the GKE node) whose logging agent collected the line. */
export const NODE_LABEL = "compute.googleapis.com/resource_name";

const PAYLOAD_KEYS = ["jsonPayload", "textPayload", "protoPayload"] as const;

/** Keys only an alert has: a payload with none of them is one of Falco's other log lines. */
const ALERT_KEYS = ["rule", "priority", "output"] as const;

const SHOWN_TEXT_MAX_LENGTH = 80;

/** What a LogEntry carries: an alert document (with where it sat), a line that is not an alert, or a defect. */
export type LogEntryReading =
  | {
      kind: "alert";
      /** The alert object, from jsonPayload or parsed from textPayload's JSON text. */
      document: JsonObject;
      /** Where it sat: errors inside it are reported under this path. */
      path: "$.jsonPayload" | "$.textPayload";
      /** jsonPayload is a protobuf Struct: its numbers went through doubles (19-digit times rounded). */
      numbersAreDoubles: boolean;
      /** The LogEntry's `timestamp` (RFC 3339, nanoseconds kept), for an alert whose `time` was taken out. */
      timestamp: string | undefined;
      names: EnvelopeNames;
    }
  | { kind: "not-an-alert"; reason: string }
  | { kind: "error"; error: JsonPathError };

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fieldOf(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/**
 * True for a document that is a LogEntry rather than an alert: it has a payload key and no `rule`.
 * (Falco's alerts never have a `jsonPayload`/`textPayload` key, and every alert has a `rule`.)
 */
export function isLogEntry(document: JsonValue): document is JsonObject {
  return (
    isObject(document) &&
    !Object.hasOwn(document, "rule") &&
    PAYLOAD_KEYS.some((key) => Object.hasOwn(document, key))
  );
}

function shown(text: string): string {
  return JSON.stringify(
    text.length > SHOWN_TEXT_MAX_LENGTH ? `${text.slice(0, SHOWN_TEXT_MAX_LENGTH)}…` : text,
  );
}

/** An optional map of labels; anything but an object (or absent) is a defect at `path`. */
function labelsAt(
  entry: JsonObject,
  keys: readonly string[],
): { ok: true; labels: JsonObject | undefined } | { ok: false; error: JsonPathError } {
  let value: JsonValue | undefined = entry;
  let path = "$";
  for (const key of keys) {
    if (!isObject(value)) return { ok: true, labels: undefined };
    value = fieldOf(value, key);
    path = pathWithKey(path, key);
  }
  if (value === undefined || value === null) return { ok: true, labels: undefined };
  if (!isObject(value)) {
    return { ok: false, error: { path, message: "expected an object of string labels" } };
  }
  return { ok: true, labels: value };
}

function namesOf(
  entry: JsonObject,
): { ok: true; names: EnvelopeNames } | { ok: false; error: JsonPathError } {
  const resource = fieldOf(entry, "resource");
  if (resource !== undefined && resource !== null && !isObject(resource)) {
    return {
      ok: false,
      error: { path: "$.resource", message: "expected an object (the monitored resource)" },
    };
  }
  const resourceLabels = labelsAt(entry, ["resource", "labels"]);
  if (!resourceLabels.ok) return resourceLabels;
  const entryLabels = labelsAt(entry, ["labels"]);
  if (!entryLabels.ok) return entryLabels;
  const names: EnvelopeNames = {};
  const cluster = resourceLabels.labels && fieldOf(resourceLabels.labels, "cluster_name");
  if (cluster !== undefined) names.cluster = { field: "resource.labels.cluster_name", value: cluster };
  const node = entryLabels.labels && fieldOf(entryLabels.labels, NODE_LABEL);
  if (node !== undefined) names.node = { field: `labels.${NODE_LABEL}`, value: node };
  return { ok: true, names };
}

function timestampOf(
  entry: JsonObject,
): { ok: true; timestamp: string | undefined } | { ok: false; error: JsonPathError } {
  const value = fieldOf(entry, "timestamp");
  if (value === undefined || value === null) return { ok: true, timestamp: undefined };
  if (typeof value === "string") return { ok: true, timestamp: value };
  return { ok: false, error: { path: "$.timestamp", message: "expected an RFC 3339 string" } };
}

function looksLikeAlert(payload: JsonObject): boolean {
  return ALERT_KEYS.some((key) => Object.hasOwn(payload, key));
}

/** The payload: an alert object, a line that is not one, or a defect. */
function payloadOf(
  entry: JsonObject,
):
  | { kind: "alert"; document: JsonObject; path: "$.jsonPayload" | "$.textPayload" }
  | { kind: "not-an-alert"; reason: string }
  | { kind: "error"; error: JsonPathError } {
  const present = PAYLOAD_KEYS.filter((key) => fieldOf(entry, key) !== undefined);
  if (present.length > 1) {
    return {
      kind: "error",
      error: { path: "$", message: `a LogEntry has one payload, this one has ${present.join(" and ")}` },
    };
  }
  const json = fieldOf(entry, "jsonPayload");
  if (json !== undefined) {
    if (!isObject(json)) {
      return { kind: "error", error: { path: "$.jsonPayload", message: "expected an object" } };
    }
    if (!looksLikeAlert(json)) {
      const keys = Object.keys(json).slice(0, 5).join(", ");
      return {
        kind: "not-an-alert",
        reason: `not a Falco alert: jsonPayload has no rule, priority or output (keys: ${keys || "none"})`,
      };
    }
    return { kind: "alert", document: json, path: "$.jsonPayload" };
  }
  const text = fieldOf(entry, "textPayload");
  if (text !== undefined) {
    if (typeof text !== "string") {
      return { kind: "error", error: { path: "$.textPayload", message: "expected a string" } };
    }
    const parsed = parsePayloadJson(text);
    if (!parsed.ok || !isObject(parsed.value) || !looksLikeAlert(parsed.value)) {
      return { kind: "not-an-alert", reason: `not a Falco alert: a text line ${shown(text)}` };
    }
    return { kind: "alert", document: parsed.value, path: "$.textPayload" };
  }
  return { kind: "not-an-alert", reason: "not a Falco alert: a LogEntry with a protoPayload" };
}

/** Reads a LogEntry (see isLogEntry). Never throws. */
export function readLogEntry(entry: JsonObject): LogEntryReading {
  const payload = payloadOf(entry);
  if (payload.kind !== "alert") return payload;
  const names = namesOf(entry);
  if (!names.ok) return { kind: "error", error: names.error };
  const timestamp = timestampOf(entry);
  if (!timestamp.ok) return { kind: "error", error: timestamp.error };
  return {
    kind: "alert",
    document: payload.document,
    path: payload.path,
    numbersAreDoubles: payload.path === "$.jsonPayload",
    timestamp: timestamp.timestamp,
    names: names.names,
  };
}
