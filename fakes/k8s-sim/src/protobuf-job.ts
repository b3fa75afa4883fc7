// Just enough protobuf to read the Job that `kubectl create job` sends (typed clients always send
// protobuf): a schema of the fields that command can set. Go encodes unset scalars as zero values,
// which are dropped; any other field the schema lacks is refused, so nothing is silently lost.

import type { JsonObject } from "./json.js";

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"

export class ProtobufSubsetError extends Error {}

type Field =
  | { name: string; type: "string" | "strings" | "pointerInt" | "pointerBool" }
  | { name: string; type: "message" | "messages"; schema: Schema }
  | { name: string; type: "map" };

type Schema = Readonly<Record<number, Field>>;

// Field numbers from k8s.io/api generated.proto (core/v1, batch/v1) and apimachinery meta/v1.
const OBJECT_META: Schema = {
  1: { name: "name", type: "string" },
  2: { name: "generateName", type: "string" },
  3: { name: "namespace", type: "string" },
  11: { name: "labels", type: "map" },
  12: { name: "annotations", type: "map" },
};
const ENV_VAR: Schema = { 1: { name: "name", type: "string" }, 2: { name: "value", type: "string" } };
const CONTAINER: Schema = {
  1: { name: "name", type: "string" },
  2: { name: "image", type: "string" },
  3: { name: "command", type: "strings" },
  4: { name: "args", type: "strings" },
  5: { name: "workingDir", type: "string" },
  7: { name: "env", type: "messages", schema: ENV_VAR },
  14: { name: "imagePullPolicy", type: "string" },
};
const POD_SPEC: Schema = {
  2: { name: "containers", type: "messages", schema: CONTAINER },
  3: { name: "restartPolicy", type: "string" },
  4: { name: "terminationGracePeriodSeconds", type: "pointerInt" },
  6: { name: "dnsPolicy", type: "string" },
  7: { name: "nodeSelector", type: "map" },
  8: { name: "serviceAccountName", type: "string" },
  10: { name: "nodeName", type: "string" },
};
const POD_TEMPLATE_SPEC: Schema = {
  1: { name: "metadata", type: "message", schema: OBJECT_META },
  2: { name: "spec", type: "message", schema: POD_SPEC },
};
const JOB_SPEC: Schema = {
  1: { name: "parallelism", type: "pointerInt" },
  2: { name: "completions", type: "pointerInt" },
  3: { name: "activeDeadlineSeconds", type: "pointerInt" },
  5: { name: "manualSelector", type: "pointerBool" },
  6: { name: "template", type: "message", schema: POD_TEMPLATE_SPEC },
  7: { name: "backoffLimit", type: "pointerInt" },
  8: { name: "ttlSecondsAfterFinished", type: "pointerInt" },
  9: { name: "completionMode", type: "string" },
  10: { name: "suspend", type: "pointerBool" },
};
const JOB: Schema = {
  1: { name: "metadata", type: "message", schema: OBJECT_META },
  2: { name: "spec", type: "message", schema: JOB_SPEC },
};

interface RawField {
  number: number;
  wireType: number;
  /** The varint of wire type 0, or the bytes of wire type 2. */
  value: bigint | Uint8Array;
}

function readVarint(bytes: Uint8Array, start: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let pos = start; pos < bytes.length && shift < 70n; pos++) {
    const byte = bytes[pos] ?? 0;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, pos + 1];
    shift += 7n;
  }
  throw new ProtobufSubsetError("truncated varint");
}

function readRawFields(bytes: Uint8Array): RawField[] {
  const fields: RawField[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const [key, afterKey] = readVarint(bytes, pos);
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (wireType === 0) {
      const [value, next] = readVarint(bytes, afterKey);
      fields.push({ number, wireType, value });
      pos = next;
    } else if (wireType === 2) {
      const [length, afterLength] = readVarint(bytes, afterKey);
      const end = afterLength + Number(length);
      if (end > bytes.length) throw new ProtobufSubsetError("truncated field");
      fields.push({ number, wireType, value: bytes.subarray(afterLength, end) });
      pos = end;
    } else {
      throw new ProtobufSubsetError(`unsupported wire type ${wireType}`);
    }
  }
  return fields;
}

/** Go's zero value: 0, an empty string, or a message whose fields are all zero values. */
function isZero(field: RawField): boolean {
  if (typeof field.value === "bigint") return field.value === 0n;
  if (field.value.length === 0) return true;
  try {
    return readRawFields(field.value).every(isZero);
  } catch {
    return false; // not a message: a non-empty string
  }
}

function bytesOf(field: RawField, path: string): Uint8Array {
  if (typeof field.value === "bigint") throw new ProtobufSubsetError(`${path}: expected bytes, got a varint`);
  return field.value;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function text(field: RawField, path: string): string {
  try {
    return utf8.decode(bytesOf(field, path));
  } catch (error) {
    if (error instanceof ProtobufSubsetError) throw error;
    throw new ProtobufSubsetError(`${path}: not UTF-8`);
  }
}

/** A proto3 map<string, string> entry: key 1, value 2. */
function mapEntry(field: RawField, path: string): [string, string] {
  let key = "";
  let value = "";
  for (const part of readRawFields(bytesOf(field, path))) {
    if (part.number === 1) key = text(part, path);
    else if (part.number === 2) value = text(part, path);
  }
  return [key, value];
}

function decodeMessage(bytes: Uint8Array, schema: Schema, path: string): JsonObject {
  const out: JsonObject = {};
  for (const field of readRawFields(bytes)) {
    const spec = schema[field.number];
    const at = `${path}${path ? "." : ""}${spec?.name ?? `field ${field.number}`}`;
    if (!spec) {
      if (isZero(field)) continue;
      throw new ProtobufSubsetError(
        `${path || "Job"} field ${field.number} is not decoded by the sim; send JSON`,
      );
    }
    switch (spec.type) {
      case "string": {
        const value = text(field, at);
        if (value !== "") out[spec.name] = value;
        break;
      }
      case "strings":
        out[spec.name] = [...((out[spec.name] as string[] | undefined) ?? []), text(field, at)];
        break;
      case "pointerInt":
      case "pointerBool": {
        if (typeof field.value !== "bigint") throw new ProtobufSubsetError(`${at}: expected a varint`);
        out[spec.name] =
          spec.type === "pointerBool" ? field.value !== 0n : Number(BigInt.asIntN(64, field.value));
        break;
      }
      case "message":
        out[spec.name] = decodeMessage(bytesOf(field, at), spec.schema, at);
        break;
      case "messages":
        out[spec.name] = [
          ...((out[spec.name] as JsonObject[] | undefined) ?? []),
          decodeMessage(bytesOf(field, at), spec.schema, at),
        ];
        break;
      case "map": {
        const [key, value] = mapEntry(field, at);
        out[spec.name] = { ...((out[spec.name] as JsonObject | undefined) ?? {}), [key]: value };
        break;
      }
    }
  }
  return out;
}

/** Decodes a protobuf batch/v1 Job (k8s envelope) into its JSON shape; throws ProtobufSubsetError. */
export function decodeProtobufJob(body: Uint8Array): JsonObject {
  if (!MAGIC.every((b, i) => body[i] === b)) throw new ProtobufSubsetError("missing k8s protobuf magic");
  let typeMeta: Uint8Array | undefined;
  let raw: Uint8Array | undefined;
  for (const field of readRawFields(body.subarray(MAGIC.length))) {
    if (field.number === 1) typeMeta = bytesOf(field, "typeMeta");
    if (field.number === 2) raw = bytesOf(field, "raw");
  }
  const meta = decodeMessage(
    typeMeta ?? new Uint8Array(),
    { 1: { name: "apiVersion", type: "string" }, 2: { name: "kind", type: "string" } },
    "typeMeta",
  );
  if (meta.apiVersion !== "batch/v1" || meta.kind !== "Job") {
    throw new ProtobufSubsetError(
      `expected a batch/v1 Job, got ${String(meta.apiVersion)} ${String(meta.kind)}`,
    );
  }
  if (raw === undefined) throw new ProtobufSubsetError("runtime.Unknown has no raw object");
  return { apiVersion: "batch/v1", kind: "Job", ...decodeMessage(raw, JOB, "") };
}
