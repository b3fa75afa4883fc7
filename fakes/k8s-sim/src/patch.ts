// The three PATCH formats the API server accepts: RFC 6902 JSON patch, RFC 7386 merge patch, and
// Kubernetes strategic merge patch for the built-in types the sim serves (merge keys below).

import { clone, deepEqual, isObject, type JsonObject } from "./json.js";

/** Why a JSON patch was refused: `decode` (malformed, 400) or `apply` (does not apply, 422). */
export class JsonPatchError extends Error {
  readonly phase: "decode" | "apply";
  readonly operationIndex: number | undefined;
  constructor(phase: "decode" | "apply", message: string, operationIndex?: number) {
    super(message);
    this.name = "JsonPatchError";
    this.phase = phase;
    this.operationIndex = operationIndex;
  }
}

function decodePointer(pointer: string, opIndex: number): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) {
    throw new JsonPatchError("apply", `path ${JSON.stringify(pointer)} must start with "/"`, opIndex);
  }
  return pointer
    .slice(1)
    .split("/")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
}

interface Location {
  parent: JsonObject | unknown[];
  key: string;
}

function locate(doc: unknown, tokens: string[], pointer: string, op: string, opIndex: number): Location {
  if (tokens.length === 0)
    throw new JsonPatchError("apply", `${op} operation does not apply to the root`, opIndex);
  let current: unknown = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(current))
      current = current[arrayIndex(token, current.length - 1, pointer, op, opIndex)];
    else if (isObject(current) && Object.hasOwn(current, token)) current = current[token];
    else
      throw new JsonPatchError(
        "apply",
        `${op} operation does not apply: doc is missing path: "${pointer}"`,
        opIndex,
      );
  }
  if (!Array.isArray(current) && !isObject(current)) {
    throw new JsonPatchError(
      "apply",
      `${op} operation does not apply: doc is missing path: "${pointer}"`,
      opIndex,
    );
  }
  return { parent: current, key: tokens[tokens.length - 1] ?? "" };
}

function arrayIndex(token: string, max: number, pointer: string, op: string, opIndex: number): number {
  if (!/^(0|[1-9]\d*)$/.test(token) || Number(token) > max) {
    throw new JsonPatchError(
      "apply",
      `${op} operation does not apply: index out of range in "${pointer}"`,
      opIndex,
    );
  }
  return Number(token);
}

function valueAt(doc: unknown, pointer: string, op: string, opIndex: number): unknown {
  let current = doc;
  for (const token of decodePointer(pointer, opIndex)) {
    if (Array.isArray(current))
      current = current[arrayIndex(token, current.length - 1, pointer, op, opIndex)];
    else if (isObject(current) && Object.hasOwn(current, token)) current = current[token];
    else
      throw new JsonPatchError(
        "apply",
        `${op} operation does not apply: doc is missing path: "${pointer}"`,
        opIndex,
      );
  }
  return current;
}

function addAt(doc: unknown, pointer: string, value: unknown, opIndex: number): unknown {
  const tokens = decodePointer(pointer, opIndex);
  if (tokens.length === 0) return value;
  const { parent, key } = locate(doc, tokens, pointer, "add", opIndex);
  if (Array.isArray(parent)) {
    if (key === "-") parent.push(value);
    else parent.splice(arrayIndex(key, parent.length, pointer, "add", opIndex), 0, value);
  } else {
    parent[key] = value;
  }
  return doc;
}

function removeAt(doc: unknown, pointer: string, op: string, opIndex: number): unknown {
  const tokens = decodePointer(pointer, opIndex);
  const { parent, key } = locate(doc, tokens, pointer, op, opIndex);
  if (Array.isArray(parent)) {
    const index = arrayIndex(key, parent.length - 1, pointer, op, opIndex);
    const [removed] = parent.splice(index, 1);
    return removed;
  }
  if (!Object.hasOwn(parent, key)) {
    throw new JsonPatchError(
      "apply",
      `${op} operation does not apply: doc is missing key: "${pointer}"`,
      opIndex,
    );
  }
  const removed = parent[key];
  delete parent[key];
  return removed;
}

/** Applies an RFC 6902 patch to a copy of `doc`. Throws JsonPatchError. */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) {
    throw new JsonPatchError("decode", "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  }
  let result = clone(doc);
  patch.forEach((operation, index) => {
    if (!isObject(operation))
      throw new JsonPatchError("decode", `operation ${index} is not an object`, index);
    const op = operation.op;
    const path = operation.path;
    if (typeof path !== "string")
      throw new JsonPatchError("apply", `operation ${index} has no "path"`, index);
    switch (op) {
      case "add":
        result = addAt(result, path, clone(operation.value), index);
        break;
      case "remove":
        removeAt(result, path, "remove", index);
        break;
      case "replace": {
        const tokens = decodePointer(path, index);
        if (tokens.length === 0) {
          result = clone(operation.value);
          break;
        }
        const { parent, key } = locate(result, tokens, path, "replace", index);
        if (Array.isArray(parent))
          parent[arrayIndex(key, parent.length - 1, path, "replace", index)] = clone(operation.value);
        else if (Object.hasOwn(parent, key)) parent[key] = clone(operation.value);
        else
          throw new JsonPatchError(
            "apply",
            `replace operation does not apply: doc is missing key: ${path}`,
            index,
          );
        break;
      }
      case "move": {
        if (typeof operation.from !== "string")
          throw new JsonPatchError("apply", `operation ${index} has no "from"`, index);
        const moved = removeAt(result, operation.from, "move", index);
        result = addAt(result, path, moved, index);
        break;
      }
      case "copy": {
        if (typeof operation.from !== "string")
          throw new JsonPatchError("apply", `operation ${index} has no "from"`, index);
        result = addAt(result, path, clone(valueAt(result, operation.from, "copy", index)), index);
        break;
      }
      case "test": {
        let actual: unknown;
        try {
          actual = valueAt(result, path, "test", index);
        } catch {
          actual = undefined;
        }
        if (!deepEqual(actual, operation.value)) {
          throw new JsonPatchError("apply", `testing value ${path} failed: test failed`, index);
        }
        break;
      }
      default:
        throw new JsonPatchError("apply", `Unexpected kind: ${String(op)}`, index);
    }
  });
  return result;
}

/** RFC 7386 merge patch: objects merge, `null` deletes, everything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/**
 * patchMergeKey of the list fields of the served types (k8s.io/api struct tags), by the field name
 * and, where the name alone is ambiguous, its parent field. Lists not named here — taints,
 * tolerations, args, NetworkPolicy rules, RBAC rules and subjects — are atomic: a patch replaces them.
 */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  volumes: "name",
  imagePullSecrets: "name",
  ownerReferences: "uid",
  conditions: "type",
  hostAliases: "ip",
  resourceClaims: "name",
  topologySpreadConstraints: "topologyKey",
  "containers.env": "name",
  "initContainers.env": "name",
  "containers.ports": "containerPort",
  "initContainers.ports": "containerPort",
  "containers.volumeMounts": "mountPath",
  "initContainers.volumeMounts": "mountPath",
  "containers.volumeDevices": "devicePath",
  "status.addresses": "type",
};

/** Primitive lists with patchStrategy "merge": a patch adds to them instead of replacing. */
const PRIMITIVE_MERGE_LISTS: ReadonlySet<string> = new Set(["finalizers"]);

function mergeKeyFor(fieldPath: readonly string[]): string | undefined {
  const field = fieldPath[fieldPath.length - 1] ?? "";
  const parent = fieldPath[fieldPath.length - 2];
  return (parent !== undefined ? MERGE_KEYS[`${parent}.${field}`] : undefined) ?? MERGE_KEYS[field];
}

const DIRECTIVE_PATCH = "$patch";
const SET_ELEMENT_ORDER = "$setElementOrder/";
const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";
const RETAIN_KEYS = "$retainKeys";

/** Applies a strategic merge patch (apimachinery/pkg/util/strategicpatch) to a copy of `original`. */
export function applyStrategicMergePatch(original: unknown, patch: unknown): unknown {
  return mergeMap(isObject(original) ? clone(original) : {}, patch, []);
}

function mergeMap(original: JsonObject, patch: unknown, fieldPath: readonly string[]): JsonObject {
  if (!isObject(patch)) return original;
  const directive = patch[DIRECTIVE_PATCH];
  if (directive === "replace") return mergeMap({}, withoutKey(patch, DIRECTIVE_PATCH), fieldPath);
  const result = original;
  if (Array.isArray(patch[RETAIN_KEYS])) {
    const retain = new Set(patch[RETAIN_KEYS].map(String));
    for (const key of Object.keys(result)) if (!retain.has(key)) delete result[key];
  }
  const orders: [string, unknown[]][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === DIRECTIVE_PATCH || key === RETAIN_KEYS) continue;
    if (key.startsWith(SET_ELEMENT_ORDER)) {
      if (Array.isArray(value)) orders.push([key.slice(SET_ELEMENT_ORDER.length), value]);
      continue;
    }
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      const current = result[field];
      if (Array.isArray(current) && Array.isArray(value)) {
        result[field] = current.filter((item) => !value.some((v) => deepEqual(v, item)));
      }
      continue;
    }
    const childPath = [...fieldPath, key];
    if (value === null) {
      delete result[key];
    } else if (isObject(value)) {
      if (value[DIRECTIVE_PATCH] === "delete") {
        delete result[key];
        continue;
      }
      const current = result[key];
      result[key] = mergeMap(isObject(current) ? current : {}, value, childPath);
    } else if (Array.isArray(value)) {
      result[key] = mergeList(result[key], value, childPath);
    } else {
      result[key] = value;
    }
  }
  for (const [field, order] of orders) {
    const list = result[field];
    if (Array.isArray(list))
      result[field] = applyElementOrder(list, order, mergeKeyFor([...fieldPath, field]));
  }
  return result;
}

function withoutKey(obj: JsonObject, key: string): JsonObject {
  const copy = { ...obj };
  delete copy[key];
  return copy;
}

function mergeList(original: unknown, patch: unknown[], fieldPath: readonly string[]): unknown[] {
  const field = fieldPath[fieldPath.length - 1] ?? "";
  if (patch.some((item) => isObject(item) && item[DIRECTIVE_PATCH] === "replace")) {
    return patch
      .filter((item) => !(isObject(item) && item[DIRECTIVE_PATCH] === "replace"))
      .map((item) => (isObject(item) ? mergeMap({}, item, fieldPath) : item));
  }
  const current = Array.isArray(original) ? original : [];
  if (PRIMITIVE_MERGE_LISTS.has(field)) {
    const merged = [...current];
    for (const item of patch) if (!merged.some((m) => deepEqual(m, item))) merged.push(item);
    return merged;
  }
  const mergeKey = mergeKeyFor(fieldPath);
  if (mergeKey === undefined) {
    return patch.map((item) => (isObject(item) ? mergeMap({}, item, fieldPath) : item));
  }
  const merged = [...current];
  for (const item of patch) {
    if (!isObject(item)) {
      merged.push(item);
      continue;
    }
    const keyValue = item[mergeKey];
    const index = merged.findIndex((m) => isObject(m) && deepEqual(m[mergeKey], keyValue));
    if (item[DIRECTIVE_PATCH] === "delete") {
      if (index !== -1) merged.splice(index, 1);
      continue;
    }
    const existing = index === -1 ? undefined : merged[index];
    const next = mergeMap(isObject(existing) ? existing : {}, item, fieldPath);
    if (index === -1) merged.push(next);
    else merged[index] = next;
  }
  return merged;
}

/** `$setElementOrder`: listed elements first, in the given order; the rest keep their order. */
function applyElementOrder(list: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  const keyOf = (item: unknown): unknown =>
    mergeKey !== undefined && isObject(item) ? item[mergeKey] : item;
  const position = (item: unknown): number => {
    const key = keyOf(item);
    const i = order.findIndex((o) => deepEqual(keyOf(o), key));
    return i === -1 ? order.length : i;
  };
  return list
    .map((item, index) => ({ item, index, rank: position(item) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.item);
}

export const PATCH_CONTENT_TYPES = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
] as const;

export type PatchContentType = (typeof PATCH_CONTENT_TYPES)[number];

export function isPatchContentType(value: string): value is PatchContentType {
  return (PATCH_CONTENT_TYPES as readonly string[]).includes(value);
}
