// update and patch: optimistic concurrency on resourceVersion, the status subresource split, server
// fields kept, generation bumped on spec changes, no-op writes skipped as etcd's GuaranteedUpdate does.

import { clone, deepEqual, getNumber, isObject, type KubeObject, metaOf } from "../json.js";
import { isPatchContentType, PATCH_CONTENT_TYPES } from "../patch.js";
import type { ResourceType } from "../resources.js";
import {
  badRequest,
  conflict,
  notFound,
  OBJECT_MODIFIED,
  preconditionFailed,
  unsupportedMediaType,
} from "../status.js";
import { assertValid } from "../validation.js";
import { insert } from "./create.js";
import { removeStored } from "./gc.js";
import {
  etcdKey,
  groupResource,
  hasStatusSubresource,
  namespaceOf,
  requireStored,
  servedForm,
  specPart,
  withoutResourceVersion,
} from "./objects.js";
import { patchDocument } from "./patch-document.js";
import { prepareBody } from "./prepare.js";
import type { RegistryOptions, WriteOptions } from "./types.js";

/** Kept from the stored object on every update (resourceVersion is set when the update commits). */
const KEPT_FIELDS = [
  "uid",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "generation",
] as const;

/** The URL's name, the resourceVersion (if sent) and the uid (if sent) must match what is stored. */
function checkUpdateTarget(
  type: ResourceType,
  namespace: string,
  name: string,
  incoming: KubeObject,
  stored: KubeObject,
): void {
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
}

/** A status write takes only the status (and labels/annotations); a main write keeps the stored status. */
function mergeWrite(
  type: ResourceType,
  incoming: KubeObject,
  stored: KubeObject,
  options: WriteOptions,
): KubeObject {
  if (options.subresource === "status") {
    const next = clone(stored);
    next.status = incoming.status;
    const meta = metaOf(incoming);
    const nextMeta = metaOf(next);
    if (meta.labels !== undefined) nextMeta.labels = meta.labels;
    if (meta.annotations !== undefined) nextMeta.annotations = meta.annotations;
    return next;
  }
  if (hasStatusSubresource(type)) {
    if (stored.status === undefined) delete incoming.status;
    else incoming.status = clone(stored.status);
  }
  return incoming;
}

function keepServerFields(type: ResourceType, next: KubeObject, stored: KubeObject): void {
  const current = metaOf(stored);
  const nextMeta = metaOf(next);
  // System fields belong to the server; a client cannot change them with an update.
  for (const field of KEPT_FIELDS) {
    const value: unknown = current[field];
    if (value === undefined) delete nextMeta[field];
    else (nextMeta as Record<string, unknown>)[field] = value;
  }
  if (type.namespaced) nextMeta.namespace = current.namespace;
  if (type.hasGeneration && !deepEqual(specPart(next), specPart(stored))) {
    nextMeta.generation = (getNumber(stored, ["metadata", "generation"]) ?? 0) + 1;
  }
}

/** Stores `next` over `stored`: skipped when nothing changed, a removal when the last finalizer went. */
function commitUpdate(
  ctx: RegistryOptions,
  type: ResourceType,
  next: KubeObject,
  stored: KubeObject,
  dryRun: boolean | undefined,
): KubeObject {
  const nextMeta = metaOf(next);
  nextMeta.resourceVersion = metaOf(stored).resourceVersion;
  // Like etcd's GuaranteedUpdate: an update that changes nothing is not written and keeps its version.
  if (deepEqual(withoutResourceVersion(next), withoutResourceVersion(stored))) return stored;
  if (dryRun) return next;
  if (nextMeta.deletionTimestamp && (nextMeta.finalizers ?? []).length === 0) {
    nextMeta.resourceVersion = String(ctx.store.nextResourceVersion());
    removeStored(ctx.store, type, stored, next);
    return next;
  }
  nextMeta.resourceVersion = String(ctx.store.nextResourceVersion());
  ctx.store.put(type.storage, next, "MODIFIED");
  return next;
}

/** Replaces the stored object with a prepared one; returns the stored form. */
function write(
  ctx: RegistryOptions,
  type: ResourceType,
  namespace: string,
  name: string,
  incoming: KubeObject,
  options: WriteOptions,
): KubeObject {
  const stored = requireStored(ctx.store, type, namespace, name);
  checkUpdateTarget(type, namespace, name, incoming, stored);
  const next = mergeWrite(type, incoming, stored, options);
  keepServerFields(type, next, stored);
  if (options.subresource !== "status") ctx.behaviour.onUpdate(type.kind, next, stored);
  assertValid(type, next);
  return commitUpdate(ctx, type, next, stored, options.dryRun);
}

export function updateObject(
  ctx: RegistryOptions,
  type: ResourceType,
  namespace: string,
  name: string,
  body: unknown,
  options: WriteOptions,
): KubeObject {
  const obj = prepareBody(type, namespaceOf(type, namespace), body);
  return servedForm(type, write(ctx, type, namespaceOf(type, namespace), name, obj, options));
}

export function patchObject(
  ctx: RegistryOptions,
  type: ResourceType,
  namespace: string,
  name: string,
  contentType: string,
  patch: unknown,
  options: WriteOptions,
): { object: KubeObject; created: boolean } {
  if (!isPatchContentType(contentType)) throw unsupportedMediaType(contentType, PATCH_CONTENT_TYPES);
  const ns = namespaceOf(type, namespace);
  const stored = ctx.store.get(type.storage, ns, name);
  if (!stored) {
    if (contentType !== "application/apply-patch+yaml") throw notFound(groupResource(type), name);
    // Server-side apply creates what does not exist yet.
    const created = prepareBody(type, ns, patch);
    metaOf(created).name = metaOf(created).name ?? name;
    return { object: servedForm(type, insert(ctx, type, created, options.dryRun, false)), created: true };
  }
  // The patch applies to the served form (events.k8s.io fields for an events.k8s.io patch).
  const patched = patchDocument(contentType, clone(servedForm(type, stored)), patch);
  if (!isObject(patched)) throw badRequest("the patched object is not a JSON object");
  const obj = prepareBody(type, ns, patched);
  return { object: servedForm(type, write(ctx, type, ns, name, obj, options)), created: false };
}
