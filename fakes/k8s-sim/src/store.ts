// In-memory object storage, shaped like etcd under kube-apiserver: one resourceVersion counter for
// every write, objects ordered by namespace then name, secondary indexes for hot field selectors
// (pods by spec.nodeName), and a bounded history of changes for watches.

import type { KubeObject } from "./json.js";
import { clone, metaOf } from "./json.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoreEvent {
  type: WatchEventType;
  storage: string;
  /** The object as stored after the change (for DELETED: its last state). Do not mutate. */
  object: KubeObject;
  /** For MODIFIED: the object before the change (watches with selectors need both). */
  previous?: KubeObject;
  resourceVersion: number;
}

/** Extracts the value(s) an object is indexed under, e.g. a pod's `spec.nodeName`, owner uids. */
export type IndexFunction = (obj: KubeObject) => string | readonly string[];

function indexValues(fn: IndexFunction, obj: KubeObject): readonly string[] {
  const value = fn(obj);
  return typeof value === "string" ? [value] : value;
}

export interface ObjectStoreOptions {
  /** Secondary indexes per storage key, by field-selector label. */
  indexes?: Readonly<Record<string, Readonly<Record<string, IndexFunction>>>>;
  /** How many change events are kept for watches resuming from a resourceVersion. */
  historySize?: number;
}

export interface ListFilter {
  /** Only this namespace; omit for all namespaces (and for cluster-scoped types). */
  namespace?: string;
  /** Start from an index when the selector pins an indexed field to one value. */
  indexed?: { field: string; value: string };
}

export interface StoreSnapshot {
  buckets: Map<string, Map<string, Map<string, KubeObject>>>;
}

export interface ObjectStore {
  /** The resourceVersion of the latest write (what a List reports). */
  currentResourceVersion(): number;
  /** Reserves the next resourceVersion for a write about to happen. */
  nextResourceVersion(): number;
  /** The stored object (shared: callers must clone before changing it). */
  get(storage: string, namespace: string, name: string): KubeObject | undefined;
  put(storage: string, obj: KubeObject, eventType: "ADDED" | "MODIFIED"): void;
  /** Removes an object; the DELETED event carries `finalState` (e.g. with deletionTimestamp) if given. */
  remove(
    storage: string,
    namespace: string,
    name: string,
    resourceVersion: number,
    finalState?: KubeObject,
  ): KubeObject | undefined;
  /** Stored objects ordered like etcd keys (namespace, then name). Shared: do not mutate. */
  list(storage: string, filter?: ListFilter): KubeObject[];
  hasIndex(storage: string, field: string): boolean;
  /** How many objects an index holds under a value (pods on a node) without listing them. */
  indexCount(storage: string, field: string, value: string): number;
  count(storage: string): number;
  subscribe(listener: (event: StoreEvent) => void): () => void;
  /** Events after `resourceVersion`, or "expired" when history no longer reaches back that far. */
  eventsSince(resourceVersion: number): StoreEvent[] | "expired";
  snapshot(): StoreSnapshot;
  restore(snapshot: StoreSnapshot): void;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function createObjectStore(options: ObjectStoreOptions = {}): ObjectStore {
  const indexDefinitions = options.indexes ?? {};
  const historySize = options.historySize ?? 10_000;
  let resourceVersion = 1;
  // storage → namespace ("" for cluster-scoped) → name → object
  let buckets = new Map<string, Map<string, Map<string, KubeObject>>>();
  // storage → field → value → set of "namespace/name"
  let indexes = new Map<string, Map<string, Map<string, Set<string>>>>();
  const history: StoreEvent[] = [];
  // History holds every change after this resourceVersion.
  let historyStart = resourceVersion;
  const listeners = new Set<(event: StoreEvent) => void>();

  const bucket = (storage: string) => {
    let b = buckets.get(storage);
    if (!b) {
      b = new Map();
      buckets.set(storage, b);
    }
    return b;
  };

  const indexFor = (storage: string, field: string) => {
    let byField = indexes.get(storage);
    if (!byField) {
      byField = new Map();
      indexes.set(storage, byField);
    }
    let byValue = byField.get(field);
    if (!byValue) {
      byValue = new Map();
      byField.set(field, byValue);
    }
    return byValue;
  };

  const unindex = (storage: string, key: string, obj: KubeObject) => {
    for (const [field, fn] of Object.entries(indexDefinitions[storage] ?? {})) {
      const byValue = indexFor(storage, field);
      for (const value of indexValues(fn, obj)) {
        const set = byValue.get(value);
        set?.delete(key);
        if (set?.size === 0) byValue.delete(value);
      }
    }
  };

  const addToIndex = (storage: string, key: string, obj: KubeObject) => {
    for (const [field, fn] of Object.entries(indexDefinitions[storage] ?? {})) {
      const byValue = indexFor(storage, field);
      for (const value of indexValues(fn, obj)) {
        let set = byValue.get(value);
        if (!set) {
          set = new Set();
          byValue.set(value, set);
        }
        set.add(key);
      }
    }
  };

  const emit = (event: StoreEvent) => {
    history.push(event);
    if (history.length > historySize) {
      const dropped = history.splice(0, history.length - historySize);
      historyStart = dropped[dropped.length - 1]?.resourceVersion ?? historyStart;
    }
    for (const listener of listeners) listener(event);
  };

  const rebuildIndexes = () => {
    indexes = new Map();
    for (const [storage, byNamespace] of buckets) {
      for (const [namespace, byName] of byNamespace) {
        for (const [name, obj] of byName) addToIndex(storage, `${namespace}/${name}`, obj);
      }
    }
  };

  return {
    currentResourceVersion: () => resourceVersion,
    nextResourceVersion: () => {
      resourceVersion += 1;
      return resourceVersion;
    },
    get: (storage, namespace, name) => buckets.get(storage)?.get(namespace)?.get(name),
    put: (storage, obj, eventType) => {
      const meta = metaOf(obj);
      const namespace = meta.namespace ?? "";
      const name = meta.name ?? "";
      const byNamespace = bucket(storage);
      let byName = byNamespace.get(namespace);
      if (!byName) {
        byName = new Map();
        byNamespace.set(namespace, byName);
      }
      const key = `${namespace}/${name}`;
      const previous = byName.get(name);
      if (previous) unindex(storage, key, previous);
      byName.set(name, obj);
      addToIndex(storage, key, obj);
      const event: StoreEvent = {
        type: eventType,
        storage,
        object: obj,
        resourceVersion: Number(meta.resourceVersion ?? resourceVersion),
      };
      if (previous) event.previous = previous;
      emit(event);
    },
    remove: (storage, namespace, name, rv, finalState) => {
      const byName = buckets.get(storage)?.get(namespace);
      const previous = byName?.get(name);
      if (!byName || !previous) return undefined;
      byName.delete(name);
      if (byName.size === 0) buckets.get(storage)?.delete(namespace);
      unindex(storage, `${namespace}/${name}`, previous);
      emit({ type: "DELETED", storage, object: finalState ?? previous, resourceVersion: rv });
      return previous;
    },
    list: (storage, filter = {}) => {
      const byNamespace = buckets.get(storage);
      if (!byNamespace) return [];
      if (filter.indexed && indexDefinitions[storage]?.[filter.indexed.field]) {
        const keys = indexFor(storage, filter.indexed.field).get(filter.indexed.value);
        if (!keys) return [];
        const out: KubeObject[] = [];
        for (const key of [...keys].sort(compareKeys)) {
          const slash = key.indexOf("/");
          const namespace = key.slice(0, slash);
          if (filter.namespace !== undefined && namespace !== filter.namespace) continue;
          const obj = byNamespace.get(namespace)?.get(key.slice(slash + 1));
          if (obj) out.push(obj);
        }
        return out;
      }
      const namespaces =
        filter.namespace !== undefined
          ? [filter.namespace]
          : // etcd orders keys `<ns>/<name>`: "a-b/x" sorts before "a/y".
            [...byNamespace.keys()].sort((a, b) => compareKeys(`${a}/`, `${b}/`));
      const out: KubeObject[] = [];
      for (const namespace of namespaces) {
        const byName = byNamespace.get(namespace);
        if (!byName) continue;
        for (const name of [...byName.keys()].sort(compareKeys)) {
          const obj = byName.get(name);
          if (obj) out.push(obj);
        }
      }
      return out;
    },
    hasIndex: (storage, field) => indexDefinitions[storage]?.[field] !== undefined,
    indexCount: (storage, field, value) => indexes.get(storage)?.get(field)?.get(value)?.size ?? 0,
    count: (storage) => {
      let n = 0;
      for (const byName of buckets.get(storage)?.values() ?? []) n += byName.size;
      return n;
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    eventsSince: (rv) => {
      if (rv >= resourceVersion) return [];
      if (rv < historyStart) return "expired";
      return history.filter((event) => event.resourceVersion > rv);
    },
    snapshot: () => {
      const copy = new Map<string, Map<string, Map<string, KubeObject>>>();
      for (const [storage, byNamespace] of buckets) {
        const nsCopy = new Map<string, Map<string, KubeObject>>();
        for (const [namespace, byName] of byNamespace) {
          nsCopy.set(namespace, new Map([...byName].map(([name, obj]) => [name, clone(obj)])));
        }
        copy.set(storage, nsCopy);
      }
      return { buckets: copy };
    },
    restore: (snapshot) => {
      buckets = new Map();
      for (const [storage, byNamespace] of snapshot.buckets) {
        const nsCopy = new Map<string, Map<string, KubeObject>>();
        for (const [namespace, byName] of byNamespace) {
          nsCopy.set(namespace, new Map([...byName].map(([name, obj]) => [name, clone(obj)])));
        }
        buckets.set(storage, nsCopy);
      }
      // Watchers cannot follow a wholesale reset; make their resourceVersions expire.
      history.length = 0;
      resourceVersion += 1;
      historyStart = resourceVersion;
      rebuildIndexes();
    },
  };
}
