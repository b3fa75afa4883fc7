// Just enough protobuf to read the SelfSubjectAccessReview that `kubectl auth can-i` sends
// (it always sends protobuf; the reply may be JSON). Wire format per kubectl-wire.md §8.

import type { JsonObject } from "./json.js";

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"

function readVarint(bytes: Uint8Array, start: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  let pos = start;
  for (;;) {
    const byte = bytes[pos];
    if (byte === undefined) throw new Error("truncated varint");
    pos++;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
}

/** Length-delimited (wire type 2) fields by number; other wire types are skipped. */
function readFields(bytes: Uint8Array): Map<number, Uint8Array[]> {
  const fields = new Map<number, Uint8Array[]>();
  let pos = 0;
  while (pos < bytes.length) {
    const [key, afterKey] = readVarint(bytes, pos);
    pos = afterKey;
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (wireType === 0) {
      pos = readVarint(bytes, pos)[1];
    } else if (wireType === 1) {
      pos += 8;
    } else if (wireType === 5) {
      pos += 4;
    } else if (wireType === 2) {
      const [length, afterLength] = readVarint(bytes, pos);
      const end = afterLength + Number(length);
      if (end > bytes.length) throw new Error("truncated field");
      const list = fields.get(field) ?? [];
      list.push(bytes.subarray(afterLength, end));
      fields.set(field, list);
      pos = end;
    } else {
      throw new Error(`unsupported wire type ${wireType}`);
    }
  }
  return fields;
}

function text(fields: Map<number, Uint8Array[]>, field: number): string | undefined {
  const value = fields.get(field)?.[0];
  return value === undefined ? undefined : new TextDecoder().decode(value);
}

export function isKubernetesProtobuf(body: Uint8Array): boolean {
  return MAGIC.every((b, i) => body[i] === b);
}

/** Decodes a protobuf SelfSubjectAccessReview into its JSON shape; throws on malformed input. */
export function decodeSelfSubjectAccessReview(body: Uint8Array): JsonObject {
  if (!isKubernetesProtobuf(body)) throw new Error("missing k8s protobuf magic");
  const unknown = readFields(body.subarray(MAGIC.length));
  const raw = unknown.get(2)?.[0];
  if (raw === undefined) throw new Error("runtime.Unknown has no raw object");
  const review = readFields(raw);
  const spec = readFields(review.get(2)?.[0] ?? new Uint8Array());
  const out: JsonObject = {};
  const resource = spec.get(1)?.[0];
  if (resource !== undefined) {
    const r = readFields(resource);
    const names = ["namespace", "verb", "group", "version", "resource", "subresource", "name"];
    const attributes: JsonObject = {};
    names.forEach((name, i) => {
      const value = text(r, i + 1);
      if (value !== undefined) attributes[name] = value;
    });
    out.resourceAttributes = attributes;
  }
  const nonResource = spec.get(2)?.[0];
  if (nonResource !== undefined) {
    const n = readFields(nonResource);
    out.nonResourceAttributes = { path: text(n, 1) ?? "", verb: text(n, 2) ?? "" };
  }
  return { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: out };
}
