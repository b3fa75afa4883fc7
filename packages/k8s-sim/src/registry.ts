// API semantics of each verb over the store, as kube-apiserver's generic registry implements them:
// system fields on create, optimistic concurrency on update, the three patch formats, delete with
// preconditions and grace periods, garbage collection of dependents, selectors and paging on list.

import type { ClusterBehaviour } from "./cluster-behaviour.js";
import { clone, deepEqual, getNumber, isObject, type KubeObject, metaOf, rfc3339 } from "./json.js";
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  isPatchContentType,
  JsonPatchError,
  PATCH_CONTENT_TYPES,
} from "./patch.js";
import {
  apiVersionOf,
  fieldValue,
  RESOURCE_TYPES,
  type ResourceType,
  resolveType,
  splitApiVersion,
} from "./resources.js";
import {
  type FieldRequirement,
  type LabelSelector,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorParseError,
} from "./selectors.js";
import {
  alreadyExists,
  badRequest,
  conflict,
  jsonPatchNotApplicable,
  KubeApiError,
  notFound,
  OBJECT_MODIFIED,
  preconditionFailed,
  successStatus,
  unsupportedMediaType,
} from "./status.js";
import type { ObjectStore } from "./store.js";
import { assertValid } from "./validation.js";
import { loadYamlDocuments } from "./yaml-docs.js";

export interface RegistryOptions {
  store: ObjectStore;
  behaviour: ClusterBehaviour;
  now: () => Date;
  newUid: () => string;
  /** Five characters from the API server's alphabet for generateName suffixes. */
  nameSuffix: () => string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continueToken?: string;
}

export interface ListResult {
  /** Served form; shared with the store for speed — clone before changing. */
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  dryRun?: boolean;
}

export interface DeleteResult {
  /** What the API answers: the object (pods, namespaces) or a Success Status. */
  body: KubeObject;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** `status` writes only the status (and labels/annotations); the main resource ignores status. */
  subresource?: "status";
}

export interface Registry {
  get(type: ResourceType, namespace: string, name: string): KubeObject;
  list(type: ResourceType, namespace: string | undefined, options?: ListOptions): ListResult;
  /** Predicate over stored objects for a list or watch with these selectors. */
  matcher(
    type: ResourceType,
    namespace: string | undefined,
    options: ListOptions,
  ): (obj: KubeObject) => boolean;
  create(type: ResourceType, namespace: string, body: unknown, options?: WriteOptions): KubeObject;
  update(
    type: ResourceType,
    namespace: string,
    name: string,
    body: unknown,
    options?: WriteOptions,
  ): KubeObject;
  patch(
    type: ResourceType,
    namespace: string,
    name: string,
    contentType: string,
    patch: unknown,
    options?: WriteOptions,
  ): { object: KubeObject; created: boolean };
  delete(type: ResourceType, namespace: string, name: string, options?: DeleteOptions): DeleteResult;
  deleteCollection(
    type: ResourceType,
    namespace: string | undefined,
    list: ListOptions,
    options: DeleteOptions,
  ): KubeObject[];
  /** Create-or-replace for seeding: keeps uid, creationTimestamp and status when given. */
  apply(obj: KubeObject): KubeObject;
  /** The served form of a stored object (events.k8s.io view of core events). */
  serve(type: ResourceType, stored: KubeObject): KubeObject;
}

/** Name of the store index of objects by `metadata.ownerReferences[].uid`. */
export const OWNER_INDEX = "metadata.ownerReferences.uid";

const SYSTEM_FIELDS = [
  "uid",
  "resourceVersion",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "generation",
] as const;

function namespaceOf(type: ResourceType, namespace: string | undefined): string {
  return type.namespaced ? (namespace ?? "") : "";
}

function etcdKey(type: ResourceType, namespace: string, name: string): string {
  return type.namespaced ? `${type.etcdPrefix}/${namespace}/${name}` : `${type.etcdPrefix}/${name}`;
}

function groupResource(type: ResourceType) {
  return { group: type.group, resource: type.resource };
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify(token)).toString("base64url");
}

function decodeContinue(raw: string): ContinueToken {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (isObject(parsed) && typeof parsed.rv === "number" && typeof parsed.start === "string") {
      return { rv: parsed.rv, start: parsed.start };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest(`continue key is not valid: ${JSON.stringify(raw)}`);
}

function keyOf(obj: KubeObject): string {
  const meta = metaOf(obj);
  return `${meta.namespace ?? ""}/${meta.name ?? ""}`;
}

function specPart(obj: KubeObject): KubeObject {
  const { metadata: _metadata, status: _status, ...rest } = obj;
  return rest;
}

function withoutResourceVersion(obj: KubeObject): KubeObject {
  const copy = clone(obj);
  delete metaOf(copy).resourceVersion;
  return copy;
}

/** Types whose main-resource writes keep the stored status (status is a subresource). */
function hasStatusSubresource(type: ResourceType): boolean {
  return type.subresources.some((s) => s.name === "status");
}

function parseSelectors(
  type: ResourceType,
  options: ListOptions,
): { labels: LabelSelector; fields: FieldRequirement[] } {
  let labels: LabelSelector = [];
  try {
    labels = options.labelSelector ? parseLabelSelector(options.labelSelector) : [];
  } catch (error) {
    if (error instanceof SelectorParseError) throw badRequest(error.message);
    throw error;
  }
  const fields = options.fieldSelector ? parseFieldSelector(options.fieldSelector) : [];
  for (const requirement of fields) {
    if (fieldValue(type, {}, requirement.field) === undefined) {
      throw badRequest(`field label not supported: ${requirement.field}`);
    }
  }
  return { labels, fields };
}

export function createRegistry(options: RegistryOptions): Registry {
  const { store, behaviour } = options;

  const serve = (type: ResourceType, stored: KubeObject): KubeObject =>
    type.view ? type.view.fromStorage(stored) : stored;

  const toStorage = (type: ResourceType, served: KubeObject): KubeObject =>
    type.view ? type.view.toStorage(served) : served;

  const requireStored = (type: ResourceType, namespace: string, name: string): KubeObject => {
    const stored = store.get(type.storage, namespaceOf(type, namespace), name);
    if (!stored) throw notFound(groupResource(type), name);
    return stored;
  };

  const checkKind = (type: ResourceType, body: KubeObject) => {
    if (body.kind !== undefined && body.kind !== type.kind) {
      throw badRequest(
        `${String(body.kind)} in version "${type.version}" cannot be handled as a ${type.kind}: the kind in the data (${String(body.kind)}) does not match the expected kind (${type.kind})`,
      );
    }
    if (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(type)) {
      throw badRequest(
        `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersionOf(type)})`,
      );
    }
  };

  const prepareBody = (type: ResourceType, namespace: string, body: unknown): KubeObject => {
    if (!isObject(body)) throw badRequest(`the body of the request was not a ${type.kind} object`);
    checkKind(type, body);
    const obj = toStorage(type, clone(body));
    obj.apiVersion = type.view ? "v1" : apiVersionOf(type);
    obj.kind = type.kind;
    const meta = metaOf(obj);
    delete meta.managedFields;
    if (type.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      meta.namespace = namespace || meta.namespace || "";
    } else {
      delete meta.namespace;
    }
    return obj;
  };

  const requireNamespace = (type: ResourceType, namespace: string) => {
    if (!type.namespaced) return;
    if (!store.get("core/namespaces", "", namespace)) {
      throw notFound({ group: "", resource: "namespaces" }, namespace);
    }
  };

  const stamp = (type: ResourceType, obj: KubeObject, preserve: boolean) => {
    const meta = metaOf(obj);
    if (!preserve || !meta.uid) meta.uid = options.newUid();
    if (!preserve || !meta.creationTimestamp) meta.creationTimestamp = rfc3339(options.now());
    if (type.hasGeneration) meta.generation = 1;
    meta.resourceVersion = String(store.nextResourceVersion());
  };

  const insert = (
    type: ResourceType,
    obj: KubeObject,
    dryRun: boolean | undefined,
    preserve: boolean,
  ): KubeObject => {
    const meta = metaOf(obj);
    if (!preserve) for (const field of SYSTEM_FIELDS) delete meta[field];
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${options.nameSuffix()}`;
    assertValid(type, obj);
    requireNamespace(type, meta.namespace ?? "");
    if (store.get(type.storage, meta.namespace ?? "", meta.name ?? "")) {
      throw alreadyExists(groupResource(type), meta.name ?? "");
    }
    behaviour.onCreate(type.kind, obj);
    if (dryRun) {
      meta.uid = meta.uid ?? options.newUid();
      meta.creationTimestamp = meta.creationTimestamp ?? rfc3339(options.now());
      return obj;
    }
    stamp(type, obj, preserve);
    store.put(type.storage, obj, "ADDED");
    return obj;
  };

  const removeStored = (
    type: ResourceType,
    stored: KubeObject,
    finalState: KubeObject,
    propagation?: string,
  ) => {
    const meta = metaOf(stored);
    store.remove(
      type.storage,
      meta.namespace ?? "",
      meta.name ?? "",
      Number(metaOf(finalState).resourceVersion),
      finalState,
    );
    if (type.kind === "Namespace") removeNamespaceContents(meta.name ?? "");
    if (propagation !== "Orphan" && meta.uid) collectDependents(meta.uid);
  };

  const removeNamespaceContents = (namespace: string) => {
    const storages = new Set(RESOURCE_TYPES.filter((t) => t.namespaced).map((t) => t.storage));
    for (const storage of storages) {
      for (const obj of store.list(storage, { namespace })) {
        store.remove(storage, namespace, metaOf(obj).name ?? "", store.nextResourceVersion());
      }
    }
  };

  /** The garbage collector's background deletion: dependents go when their owner goes. */
  const collectDependents = (ownerUid: string) => {
    const storages = new Set(RESOURCE_TYPES.map((t) => t.storage));
    for (const storage of storages) {
      const dependents = store.hasIndex(storage, OWNER_INDEX)
        ? store.list(storage, { indexed: { field: OWNER_INDEX, value: ownerUid } })
        : store
            .list(storage)
            .filter((obj) => (metaOf(obj).ownerReferences ?? []).some((o) => o.uid === ownerUid));
      for (const obj of dependents) {
        const meta = metaOf(obj);
        const removed = store.remove(
          storage,
          meta.namespace ?? "",
          meta.name ?? "",
          store.nextResourceVersion(),
        );
        if (removed && meta.uid) collectDependents(meta.uid);
      }
    }
  };

  const write = (
    type: ResourceType,
    namespace: string,
    name: string,
    incoming: KubeObject,
    writeOptions: WriteOptions,
  ): KubeObject => {
    const stored = requireStored(type, namespace, name);
    const meta = metaOf(incoming);
    if (meta.name !== name) {
      throw badRequest(
        `the name of the object (${meta.name ?? ""}) does not match the name on the URL (${name})`,
      );
    }
    const current = metaOf(stored);
    if (meta.resourceVersion && meta.resourceVersion !== current.resourceVersion) {
      throw conflict(groupResource(type), name, OBJECT_MODIFIED);
    }
    if (meta.uid && meta.uid !== current.uid) {
      throw preconditionFailed(
        groupResource(type),
        name,
        etcdKey(type, namespace, name),
        `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${current.uid ?? ""}`,
      );
    }
    let next: KubeObject;
    if (writeOptions.subresource === "status") {
      next = clone(stored);
      next.status = incoming.status;
      const nextMeta = metaOf(next);
      if (meta.labels !== undefined) nextMeta.labels = meta.labels;
      if (meta.annotations !== undefined) nextMeta.annotations = meta.annotations;
    } else {
      next = incoming;
      if (hasStatusSubresource(type)) {
        if (stored.status === undefined) delete next.status;
        else next.status = clone(stored.status);
      }
    }
    const nextMeta = metaOf(next);
    // System fields belong to the server; a client cannot change them with an update.
    for (const field of [
      "uid",
      "creationTimestamp",
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
      "generation",
    ] as const) {
      const value: unknown = current[field];
      if (value === undefined) delete nextMeta[field];
      else (nextMeta as Record<string, unknown>)[field] = value;
    }
    if (type.namespaced) nextMeta.namespace = current.namespace;
    if (type.hasGeneration && !deepEqual(specPart(next), specPart(stored))) {
      nextMeta.generation = (getNumber(stored, ["metadata", "generation"]) ?? 0) + 1;
    }
    if (writeOptions.subresource !== "status") behaviour.onUpdate(type.kind, next, stored);
    assertValid(type, next);
    nextMeta.resourceVersion = current.resourceVersion;
    // Like etcd's GuaranteedUpdate: an update that changes nothing is not written and keeps its version.
    if (deepEqual(withoutResourceVersion(next), withoutResourceVersion(stored))) return stored;
    if (writeOptions.dryRun) return next;
    if (nextMeta.deletionTimestamp && (nextMeta.finalizers ?? []).length === 0) {
      nextMeta.resourceVersion = String(store.nextResourceVersion());
      removeStored(type, stored, next);
      return next;
    }
    nextMeta.resourceVersion = String(store.nextResourceVersion());
    store.put(type.storage, next, "MODIFIED");
    return next;
  };

  const applyPatchBody = (
    type: ResourceType,
    stored: KubeObject,
    contentType: string,
    patch: unknown,
  ): unknown => patchDocument(contentType, clone(serve(type, stored)), patch);

  const registry: Registry = {
    serve,

    get(type, namespace, name) {
      return serve(type, requireStored(type, namespace, name));
    },

    matcher(type, namespace, listOptions) {
      const { labels, fields } = parseSelectors(type, listOptions);
      const ns = type.namespaced ? namespace : undefined;
      return (obj) => {
        const meta = metaOf(obj);
        if (ns !== undefined && ns !== "" && meta.namespace !== ns) return false;
        if (!matchesLabels(labels, meta.labels)) return false;
        return fields.every((f) => {
          const value = fieldValue(type, obj, f.field) ?? "";
          return f.operator === "=" ? value === f.value : value !== f.value;
        });
      };
    },

    list(type, namespace, listOptions = {}) {
      const { fields } = parseSelectors(type, listOptions);
      const matches = registry.matcher(type, namespace, listOptions);
      const indexedField = fields.find((f) => f.operator === "=" && store.hasIndex(type.storage, f.field));
      const ns = type.namespaced && namespace ? namespace : undefined;
      let candidates = store.list(type.storage, {
        ...(ns !== undefined ? { namespace: ns } : {}),
        ...(indexedField ? { indexed: { field: indexedField.field, value: indexedField.value } } : {}),
      });
      const resourceVersion = store.currentResourceVersion();
      if (listOptions.continueToken) {
        const token = decodeContinue(listOptions.continueToken);
        candidates = candidates.filter((obj) => keyOf(obj) >= token.start);
      }
      const filtered = candidates.filter(matches);
      const limit = listOptions.limit && listOptions.limit > 0 ? listOptions.limit : undefined;
      const page = limit !== undefined ? filtered.slice(0, limit) : filtered;
      const result: ListResult = {
        items: page.map((obj) => serve(type, obj)),
        resourceVersion: String(resourceVersion),
      };
      const nextItem = limit !== undefined ? filtered[limit] : undefined;
      if (nextItem !== undefined) {
        result.continueToken = encodeContinue({ rv: resourceVersion, start: keyOf(nextItem) });
        result.remainingItemCount = filtered.length - page.length;
      }
      return result;
    },

    create(type, namespace, body, writeOptions = {}) {
      const obj = prepareBody(type, namespaceOf(type, namespace), body);
      return serve(type, insert(type, obj, writeOptions.dryRun, false));
    },

    update(type, namespace, name, body, writeOptions = {}) {
      const obj = prepareBody(type, namespaceOf(type, namespace), body);
      return serve(type, write(type, namespaceOf(type, namespace), name, obj, writeOptions));
    },

    patch(type, namespace, name, contentType, patch, writeOptions = {}) {
      if (!isPatchContentType(contentType)) throw unsupportedMediaType(contentType, PATCH_CONTENT_TYPES);
      const ns = namespaceOf(type, namespace);
      const stored = store.get(type.storage, ns, name);
      if (!stored) {
        if (contentType !== "application/apply-patch+yaml") throw notFound(groupResource(type), name);
        // Server-side apply creates what does not exist yet.
        const created = prepareBody(type, ns, patch);
        metaOf(created).name = metaOf(created).name ?? name;
        return { object: serve(type, insert(type, created, writeOptions.dryRun, false)), created: true };
      }
      const patched = applyPatchBody(type, stored, contentType, patch);
      if (!isObject(patched)) throw badRequest("the patched object is not a JSON object");
      const obj = prepareBody(type, ns, patched);
      return { object: serve(type, write(type, ns, name, obj, writeOptions)), created: false };
    },

    delete(type, namespace, name, deleteOptions = {}) {
      const ns = namespaceOf(type, namespace);
      const stored = requireStored(type, ns, name);
      const meta = metaOf(stored);
      const preconditions = deleteOptions.preconditions ?? {};
      if (preconditions.uid !== undefined && preconditions.uid !== meta.uid) {
        throw preconditionFailed(
          groupResource(type),
          name,
          etcdKey(type, ns, name),
          `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${meta.uid ?? ""}`,
        );
      }
      if (
        preconditions.resourceVersion !== undefined &&
        preconditions.resourceVersion !== meta.resourceVersion
      ) {
        throw preconditionFailed(
          groupResource(type),
          name,
          etcdKey(type, ns, name),
          `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ""}`,
        );
      }
      const finalState = clone(stored);
      const finalMeta = metaOf(finalState);
      const now = options.now();
      if (type.kind === "Pod") {
        // Graceful deletion is reported (deletionTimestamp = now + grace) but the pod goes at once:
        // there is no kubelet to wait for, and a 404 on the next GET is what clients treat as done.
        const grace =
          deleteOptions.gracePeriodSeconds ??
          getNumber(stored, ["spec", "terminationGracePeriodSeconds"]) ??
          30;
        finalMeta.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
        finalMeta.deletionGracePeriodSeconds = grace;
      } else if (type.kind === "Namespace") {
        finalMeta.deletionTimestamp = rfc3339(now);
        finalState.status = { phase: "Terminating" };
      } else if ((meta.finalizers ?? []).length > 0) {
        finalMeta.deletionTimestamp = meta.deletionTimestamp ?? rfc3339(now);
      }
      if (deleteOptions.dryRun)
        return { body: type.returnsDeletedObject ? serve(type, finalState) : deletedStatus() };
      finalMeta.resourceVersion = String(store.nextResourceVersion());
      if (type.kind !== "Namespace" && type.kind !== "Pod" && (meta.finalizers ?? []).length > 0) {
        // Finalizers hold the object until whoever owns them removes them with an update.
        store.put(type.storage, finalState, "MODIFIED");
        return { body: serve(type, finalState) };
      }
      removeStored(type, stored, finalState, deleteOptions.propagationPolicy);
      return { body: type.returnsDeletedObject ? serve(type, finalState) : deletedStatus() };

      function deletedStatus(): KubeObject {
        const details: Record<string, string> = { name, kind: type.resource, uid: meta.uid ?? "" };
        if (type.group) details.group = type.group;
        return { ...successStatus(details) };
      }
    },

    deleteCollection(type, namespace, listOptions, deleteOptions) {
      const { items } = registry.list(type, namespace, listOptions);
      return items.map((item) => {
        const meta = metaOf(item);
        return registry.delete(type, meta.namespace ?? "", meta.name ?? "", deleteOptions).body;
      });
    },

    apply(input) {
      const [group, version] = splitApiVersion(typeof input.apiVersion === "string" ? input.apiVersion : "");
      const type =
        typeof input.kind === "string"
          ? resolveType({ kind: input.kind, apiVersion: `${group ? `${group}/` : ""}${version}` })
          : undefined;
      if (!type) {
        throw new KubeApiError({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          code: 400,
          reason: "BadRequest",
          message: `no matches for kind "${String(input.kind)}" in version "${String(input.apiVersion)}"`,
        });
      }
      const namespace = type.namespaced ? (getNamespace(input) ?? "default") : "";
      if (type.namespaced && !store.get("core/namespaces", "", namespace)) {
        registry.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
      }
      const obj = prepareBody(type, namespace, input);
      const meta = metaOf(obj);
      delete meta.resourceVersion;
      const existing = store.get(type.storage, namespace, meta.name ?? "");
      if (!existing) return serve(type, insert(type, obj, false, true));
      // Replace in place (one MODIFIED event), keeping identity unless the manifest sets it.
      const existingMeta = metaOf(existing);
      meta.uid = meta.uid ?? existingMeta.uid;
      meta.creationTimestamp = meta.creationTimestamp ?? existingMeta.creationTimestamp;
      assertValid(type, obj);
      behaviour.onCreate(type.kind, obj);
      if (type.hasGeneration) {
        const generation = existingMeta.generation ?? 1;
        meta.generation = deepEqual(specPart(obj), specPart(existing)) ? generation : generation + 1;
        if (isObject(obj.status) && obj.status.observedGeneration !== undefined) {
          obj.status.observedGeneration = meta.generation;
        }
      }
      meta.resourceVersion = String(store.nextResourceVersion());
      store.put(type.storage, obj, "MODIFIED");
      return serve(type, obj);
    },
  };

  return registry;
}

/**
 * Applies a PATCH body of the given content type to a document, with the API server's errors:
 * malformed → 400, a JSON patch that does not apply (failed `test`) → 422, unknown type → 415.
 */
export function patchDocument(contentType: string, doc: unknown, patch: unknown): unknown {
  switch (contentType) {
    case "application/json-patch+json":
      try {
        return applyJsonPatch(doc, patch);
      } catch (error) {
        if (error instanceof JsonPatchError) {
          throw error.phase === "decode" ? badRequest(error.message) : jsonPatchNotApplicable();
        }
        throw error;
      }
    case "application/merge-patch+json":
      if (!isObject(patch))
        throw badRequest("json: cannot unmarshal array into Go value of type map[string]interface {}");
      return applyMergePatch(doc, patch);
    case "application/strategic-merge-patch+json":
    case "application/apply-patch+yaml":
      if (!isObject(patch))
        throw badRequest("json: cannot unmarshal array into Go value of type map[string]interface {}");
      return applyStrategicMergePatch(doc, patch);
    default:
      throw unsupportedMediaType(contentType, PATCH_CONTENT_TYPES);
  }
}

function getNamespace(obj: KubeObject): string | undefined {
  const ns = metaOf(obj).namespace;
  return typeof ns === "string" && ns !== "" ? ns : undefined;
}

/** Parses one or more YAML/JSON documents (a `List` is flattened) into objects. */
export function parseManifests(input: string | KubeObject | readonly (string | KubeObject)[]): KubeObject[] {
  const inputs = Array.isArray(input) ? input : [input];
  const out: KubeObject[] = [];
  for (const item of inputs as (string | KubeObject)[]) {
    const docs = typeof item === "string" ? loadYamlDocuments(item) : [item];
    for (const doc of docs) {
      if (!isObject(doc)) continue;
      if (typeof doc.kind === "string" && doc.kind.endsWith("List") && Array.isArray(doc.items)) {
        for (const entry of doc.items) if (isObject(entry)) out.push(entry);
      } else {
        out.push(doc);
      }
    }
  }
  return out;
}
