// The resource types the simulated API serves: names, scope, verbs, short names, printers and
// field selectors. Discovery, OpenAPI, routing and storage are all derived from this one list.

import { getPath, getString, type JsonObject, type KubeObject } from "./json.js";
import { defaultPrinter, printers, type TablePrinter } from "./tables.js";

export interface SubresourceType {
  name: string;
  group: string;
  version: string;
  kind: string;
  verbs: readonly string[];
}

/** Converts between a resource's served shape and the shape it is stored in (events.k8s.io ↔ core). */
export interface ResourceView {
  fromStorage(obj: KubeObject): KubeObject;
  toStorage(obj: KubeObject): KubeObject;
}

export type NameRule = "dns-subdomain" | "dns-label" | "path-segment";

export interface ResourceType {
  group: string;
  version: string;
  /** Plural, lower-case: `pods`. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: readonly string[];
  categories: readonly string[];
  verbs: readonly string[];
  subresources: readonly SubresourceType[];
  /** Objects of resources sharing a storage key are the same objects (core and events.k8s.io events). */
  storage: string;
  /** etcd key prefix, quoted in precondition-failure messages: `/registry/pods`. */
  etcdPrefix: string;
  view?: ResourceView;
  printer: TablePrinter;
  /** Field-selector labels beyond `metadata.name` / `metadata.namespace`, read from the stored form. */
  fields: Readonly<Record<string, (obj: KubeObject) => string>>;
  nameRule: NameRule;
  hasGeneration: boolean;
  /** Graceful deletion returns the object (pods, namespaces); others return a Success Status. */
  returnsDeletedObject: boolean;
}

export const READ_WRITE_VERBS = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
] as const;

export function apiVersionOf(type: { group: string; version: string }): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

function text(path: readonly string[]): (obj: KubeObject) => string {
  return (obj) => {
    const value = getPath(obj, path);
    if (value === undefined || value === null) return "";
    return typeof value === "string" ? value : String(value);
  };
}

function statusSub(group: string, version: string, kind: string): SubresourceType {
  return { name: "status", group, version, kind, verbs: ["get", "patch", "update"] };
}

function scaleSub(): SubresourceType {
  return {
    name: "scale",
    group: "autoscaling",
    version: "v1",
    kind: "Scale",
    verbs: ["get", "patch", "update"],
  };
}

interface Definition {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: readonly string[];
  subresources?: SubresourceType[];
  storage?: string;
  etcdPrefix?: string;
  view?: ResourceView;
  fields?: Record<string, (obj: KubeObject) => string>;
  nameRule?: NameRule;
  hasGeneration?: boolean;
  returnsDeletedObject?: boolean;
  printerKind?: string;
}

function define(d: Definition): ResourceType {
  return {
    group: d.group,
    version: d.version,
    resource: d.resource,
    singular: d.kind.toLowerCase(),
    kind: d.kind,
    namespaced: d.namespaced,
    shortNames: d.shortNames ?? [],
    categories: d.categories ?? [],
    verbs: d.verbs ?? READ_WRITE_VERBS,
    subresources: d.subresources ?? [],
    storage: d.storage ?? `${d.group || "core"}/${d.resource}`,
    etcdPrefix: d.etcdPrefix ?? `/registry/${d.resource}`,
    ...(d.view ? { view: d.view } : {}),
    printer: printers[d.printerKind ?? d.kind] ?? defaultPrinter,
    fields: d.fields ?? {},
    nameRule: d.nameRule ?? "dns-subdomain",
    hasGeneration: d.hasGeneration ?? false,
    returnsDeletedObject: d.returnsDeletedObject ?? false,
  };
}

const EVENT_FIELDS = {
  "involvedObject.kind": text(["involvedObject", "kind"]),
  "involvedObject.namespace": text(["involvedObject", "namespace"]),
  "involvedObject.name": text(["involvedObject", "name"]),
  "involvedObject.uid": text(["involvedObject", "uid"]),
  "involvedObject.apiVersion": text(["involvedObject", "apiVersion"]),
  "involvedObject.resourceVersion": text(["involvedObject", "resourceVersion"]),
  "involvedObject.fieldPath": text(["involvedObject", "fieldPath"]),
  reason: text(["reason"]),
  reportingComponent: text(["reportingComponent"]),
  source: text(["source", "component"]),
  type: text(["type"]),
};

/**
 * events.k8s.io/v1 names the same labels after its own fields (regarding.*, reportingController) and
 * refuses the core spellings (pkg/apis/events/v1 field label conversion); values come from storage.
 */
const EVENTS_V1_FIELDS = {
  "regarding.kind": text(["involvedObject", "kind"]),
  "regarding.namespace": text(["involvedObject", "namespace"]),
  "regarding.name": text(["involvedObject", "name"]),
  "regarding.uid": text(["involvedObject", "uid"]),
  "regarding.apiVersion": text(["involvedObject", "apiVersion"]),
  "regarding.resourceVersion": text(["involvedObject", "resourceVersion"]),
  "regarding.fieldPath": text(["involvedObject", "fieldPath"]),
  reason: text(["reason"]),
  reportingController: text(["reportingComponent"]),
  source: (obj: KubeObject) => text(["source", "component"])(obj) || text(["reportingComponent"])(obj),
  type: text(["type"]),
};

/** Field renames between core/v1 Event and events.k8s.io/v1 Event (pkg/apis/events/v1 conversion). */
const EVENT_FIELD_PAIRS: readonly (readonly [core: string, events: string])[] = [
  ["involvedObject", "regarding"],
  ["message", "note"],
  ["reportingComponent", "reportingController"],
  ["source", "deprecatedSource"],
  ["firstTimestamp", "deprecatedFirstTimestamp"],
  ["lastTimestamp", "deprecatedLastTimestamp"],
  ["count", "deprecatedCount"],
];

function renameFields(obj: KubeObject, apiVersion: string, direction: "toEvents" | "toCore"): KubeObject {
  const out: JsonObject = { ...obj, apiVersion, kind: "Event" };
  for (const [core, events] of EVENT_FIELD_PAIRS) {
    const [from, to] = direction === "toEvents" ? [core, events] : [events, core];
    if (Object.hasOwn(out, from)) {
      out[to] = out[from];
      delete out[from];
    }
  }
  return out;
}

const eventsV1View: ResourceView = {
  fromStorage: (obj) => renameFields(obj, "events.k8s.io/v1", "toEvents"),
  toStorage: (obj) => renameFields(obj, "v1", "toCore"),
};

/** Every resource the sim serves, in discovery order. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  define({
    group: "",
    version: "v1",
    resource: "namespaces",
    kind: "Namespace",
    namespaced: false,
    shortNames: ["ns"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    subresources: [statusSub("", "v1", "Namespace")],
    fields: { "status.phase": text(["status", "phase"]) },
    nameRule: "dns-label",
    returnsDeletedObject: true,
  }),
  define({
    group: "",
    version: "v1",
    resource: "nodes",
    kind: "Node",
    namespaced: false,
    shortNames: ["no"],
    subresources: [statusSub("", "v1", "Node")],
    etcdPrefix: "/registry/minions",
    fields: { "spec.unschedulable": (n) => String(getPath(n, ["spec", "unschedulable"]) === true) },
  }),
  define({
    group: "",
    version: "v1",
    resource: "pods",
    kind: "Pod",
    namespaced: true,
    shortNames: ["po"],
    categories: ["all"],
    subresources: [
      statusSub("", "v1", "Pod"),
      { name: "eviction", group: "policy", version: "v1", kind: "Eviction", verbs: ["create"] },
      { name: "log", group: "", version: "v1", kind: "Pod", verbs: ["get"] },
    ],
    fields: {
      "spec.nodeName": text(["spec", "nodeName"]),
      "spec.restartPolicy": text(["spec", "restartPolicy"]),
      "spec.schedulerName": text(["spec", "schedulerName"]),
      "spec.serviceAccountName": text(["spec", "serviceAccountName"]),
      "spec.hostNetwork": (p) => String(getPath(p, ["spec", "hostNetwork"]) === true),
      "status.phase": text(["status", "phase"]),
      "status.podIP": text(["status", "podIP"]),
      "status.nominatedNodeName": text(["status", "nominatedNodeName"]),
    },
    returnsDeletedObject: true,
  }),
  define({
    group: "",
    version: "v1",
    resource: "events",
    kind: "Event",
    namespaced: true,
    shortNames: ["ev"],
    fields: EVENT_FIELDS,
  }),
  define({
    group: "apps",
    version: "v1",
    resource: "deployments",
    kind: "Deployment",
    namespaced: true,
    shortNames: ["deploy"],
    categories: ["all"],
    subresources: [statusSub("apps", "v1", "Deployment"), scaleSub()],
    hasGeneration: true,
  }),
  define({
    group: "apps",
    version: "v1",
    resource: "replicasets",
    kind: "ReplicaSet",
    namespaced: true,
    shortNames: ["rs"],
    categories: ["all"],
    subresources: [statusSub("apps", "v1", "ReplicaSet"), scaleSub()],
    hasGeneration: true,
  }),
  define({
    group: "apps",
    version: "v1",
    resource: "daemonsets",
    kind: "DaemonSet",
    namespaced: true,
    shortNames: ["ds"],
    categories: ["all"],
    subresources: [statusSub("apps", "v1", "DaemonSet")],
    hasGeneration: true,
  }),
  define({
    group: "apps",
    version: "v1",
    resource: "statefulsets",
    kind: "StatefulSet",
    namespaced: true,
    shortNames: ["sts"],
    categories: ["all"],
    subresources: [statusSub("apps", "v1", "StatefulSet"), scaleSub()],
    hasGeneration: true,
  }),
  define({
    group: "batch",
    version: "v1",
    resource: "jobs",
    kind: "Job",
    namespaced: true,
    categories: ["all"],
    subresources: [statusSub("batch", "v1", "Job")],
    fields: { "status.successful": text(["status", "succeeded"]) },
    hasGeneration: true,
  }),
  define({
    group: "networking.k8s.io",
    version: "v1",
    resource: "networkpolicies",
    kind: "NetworkPolicy",
    namespaced: true,
    shortNames: ["netpol"],
    hasGeneration: true,
  }),
  define({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "roles",
    kind: "Role",
    namespaced: true,
    nameRule: "path-segment",
  }),
  define({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "rolebindings",
    kind: "RoleBinding",
    namespaced: true,
    nameRule: "path-segment",
  }),
  define({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "clusterroles",
    kind: "ClusterRole",
    namespaced: false,
    nameRule: "path-segment",
  }),
  define({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "clusterrolebindings",
    kind: "ClusterRoleBinding",
    namespaced: false,
    nameRule: "path-segment",
  }),
  define({
    group: "events.k8s.io",
    version: "v1",
    resource: "events",
    kind: "Event",
    namespaced: true,
    shortNames: ["ev"],
    storage: "core/events",
    view: eventsV1View,
    fields: EVENTS_V1_FIELDS,
  }),
  define({
    group: "authorization.k8s.io",
    version: "v1",
    resource: "selfsubjectaccessreviews",
    kind: "SelfSubjectAccessReview",
    namespaced: false,
    verbs: ["create"],
  }),
];

/** One API group with its (single) version, in discovery order. */
export interface ApiGroupVersion {
  group: string;
  version: string;
  resources: readonly ResourceType[];
}

export function groupVersions(types: readonly ResourceType[] = RESOURCE_TYPES): ApiGroupVersion[] {
  const byKey = new Map<string, ApiGroupVersion>();
  for (const type of types) {
    const key = apiVersionOf(type);
    const existing = byKey.get(key);
    if (existing) (existing.resources as ResourceType[]).push(type);
    else byKey.set(key, { group: type.group, version: type.version, resources: [type] });
  }
  return [...byKey.values()];
}

export function findResource(group: string, version: string, resource: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.resource === resource);
}

/** A reference to a type by kind (`Pod`, optional apiVersion) or by resource (`pods`, optional group). */
export interface TypeRef {
  kind?: string;
  apiVersion?: string;
  resource?: string;
  group?: string;
}

/** Resolves a kind or resource name; core wins over events.k8s.io for the ambiguous `events`/`Event`. */
export function resolveType(ref: TypeRef): ResourceType | undefined {
  if (ref.resource) {
    const [plural, dotted] = splitDotted(ref.resource);
    const group = ref.group ?? dotted;
    return RESOURCE_TYPES.find(
      (t) =>
        (t.resource === plural || t.shortNames.includes(plural) || t.singular === plural) &&
        (group === undefined || t.group === group),
    );
  }
  if (ref.kind) {
    const [group, version] = ref.apiVersion ? splitApiVersion(ref.apiVersion) : [undefined, undefined];
    return RESOURCE_TYPES.find(
      (t) =>
        t.kind === ref.kind &&
        (group === undefined || t.group === group) &&
        (version === undefined || t.version === version),
    );
  }
  return undefined;
}

/** `deployments.apps` → [`deployments`, `apps`]; `pods` → [`pods`, undefined]. */
function splitDotted(name: string): [string, string | undefined] {
  const dot = name.indexOf(".");
  return dot === -1 ? [name, undefined] : [name.slice(0, dot), name.slice(dot + 1)];
}

export function splitApiVersion(apiVersion: string): [group: string, version: string] {
  const slash = apiVersion.indexOf("/");
  return slash === -1 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

/** Field-selector value of a stored object, or undefined when the label is not supported. */
export function fieldValue(type: ResourceType, obj: KubeObject, field: string): string | undefined {
  if (field === "metadata.name") return getString(obj, ["metadata", "name"]) ?? "";
  if (field === "metadata.namespace") return getString(obj, ["metadata", "namespace"]) ?? "";
  const getter = type.fields[field];
  return getter ? getter(obj) : undefined;
}
