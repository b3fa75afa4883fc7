// Plain-JSON helpers: Kubernetes objects travel and are stored as untyped JSON trees here.

export type JsonObject = Record<string, unknown>;

/** A Kubernetes object as stored and served: `apiVersion`, `kind`, `metadata`, then anything. */
export type KubeObject = JsonObject;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** The subset of ObjectMeta the simulator reads and writes. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [key: string]: unknown;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The object's metadata, created empty when missing so callers can write to it. */
export function metaOf(obj: KubeObject): ObjectMeta {
  if (!isObject(obj.metadata)) obj.metadata = {};
  return obj.metadata as ObjectMeta;
}

/** Reads a nested value, `undefined` when any step is missing or not an object. */
export function getPath(obj: unknown, path: readonly string[]): unknown {
  let current: unknown = obj;
  for (const step of path) {
    if (!isObject(current)) return undefined;
    current = current[step];
  }
  return current;
}

export function getString(obj: unknown, path: readonly string[]): string | undefined {
  const value = getPath(obj, path);
  return typeof value === "string" ? value : undefined;
}

export function getNumber(obj: unknown, path: readonly string[]): number | undefined {
  const value = getPath(obj, path);
  return typeof value === "number" ? value : undefined;
}

export function getArray(obj: unknown, path: readonly string[]): unknown[] {
  const value = getPath(obj, path);
  return Array.isArray(value) ? value : [];
}

export function getObject(obj: unknown, path: readonly string[]): JsonObject | undefined {
  const value = getPath(obj, path);
  return isObject(value) ? value : undefined;
}

/** Returns the object at `path`, creating empty objects along the way. */
export function ensureObject(obj: JsonObject, path: readonly string[]): JsonObject {
  let current = obj;
  for (const step of path) {
    const next = current[step];
    if (isObject(next)) {
      current = next;
    } else {
      const created: JsonObject = {};
      current[step] = created;
      current = created;
    }
  }
  return current;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const keysA = Object.keys(a);
    if (keysA.length !== Object.keys(b).length) return false;
    return keysA.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}

/** Kubernetes timestamps are RFC 3339 with whole seconds (`2024-11-23T10:21:33Z`). */
export function rfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
