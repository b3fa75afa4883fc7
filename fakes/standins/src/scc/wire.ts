// Conversions between the protobuf shapes the stand-in receives (proto-loader: int64 as strings,
// enums as names, Struct values with a `kind` discriminator) and plain values for inspection:
// Timestamps as RFC 3339 strings, google.protobuf.Value as JSON.

import { invalidArgument } from "./status-error.js";

export interface WireTimestamp {
  seconds?: string | number;
  nanos?: number;
}

export interface WireValue {
  kind?: string;
  nullValue?: string | number;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: { fields?: Record<string, WireValue> };
  listValue?: { values?: WireValue[] };
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

// Timestamp range allowed by google.protobuf.Timestamp: 0001-01-01 to 9999-12-31.
const minSeconds = -62135596800;
const maxSeconds = 253402300799;

/** Refuses malformed Timestamps (the real API answers INVALID_ARGUMENT too). */
export function checkTimestamp(value: WireTimestamp, field: string): void {
  const seconds = Number(value.seconds ?? 0);
  const nanos = value.nanos ?? 0;
  if (!Number.isInteger(seconds) || seconds < minSeconds || seconds > maxSeconds) {
    throw invalidArgument(`${field}.seconds ${String(value.seconds)} is out of the Timestamp range`);
  }
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw invalidArgument(`${field}.nanos ${nanos} must be an integer in 0..999999999`);
  }
}

export function timestampToMillis(value: WireTimestamp): number {
  return Number(value.seconds ?? 0) * 1000 + Math.floor((value.nanos ?? 0) / 1e6);
}

/** RFC 3339 in UTC with 0, 3, 6 or 9 fraction digits: no precision is lost or invented. */
export function timestampToIso(value: WireTimestamp): string {
  const seconds = Number(value.seconds ?? 0);
  const nanos = value.nanos ?? 0;
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (nanos === 0) return `${whole}Z`;
  let fraction = String(nanos).padStart(9, "0");
  while (fraction.endsWith("000")) fraction = fraction.slice(0, -3);
  return `${whole}.${fraction}Z`;
}

export function timestampFromMillis(millis: number): WireTimestamp {
  const seconds = Math.floor(millis / 1000);
  return { seconds: String(seconds), nanos: (millis - seconds * 1000) * 1e6 };
}

/** google.protobuf.Value → JSON. */
export function valueToJson(value: WireValue | undefined): JsonValue {
  if (value === undefined) return null;
  const kind =
    value.kind ??
    (["stringValue", "numberValue", "boolValue", "structValue", "listValue", "nullValue"] as const).find(
      (k) => value[k] !== undefined,
    );
  switch (kind) {
    case "stringValue":
      return value.stringValue ?? "";
    case "numberValue":
      return value.numberValue ?? 0;
    case "boolValue":
      return value.boolValue ?? false;
    case "structValue":
      return Object.fromEntries(
        Object.entries(value.structValue?.fields ?? {}).map(([k, v]) => [k, valueToJson(v)]),
      );
    case "listValue":
      return (value.listValue?.values ?? []).map(valueToJson);
    default:
      return null;
  }
}

/** JSON → google.protobuf.Value, e.g. for seeding findings directly. */
export function jsonToValue(json: JsonValue): WireValue {
  if (json === null) return { nullValue: "NULL_VALUE" };
  if (typeof json === "string") return { stringValue: json };
  if (typeof json === "number") return { numberValue: json };
  if (typeof json === "boolean") return { boolValue: json };
  if (Array.isArray(json)) return { listValue: { values: json.map(jsonToValue) } };
  return {
    structValue: { fields: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, jsonToValue(v)])) },
  };
}
