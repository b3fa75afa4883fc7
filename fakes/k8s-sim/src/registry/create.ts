// create: system fields set by the server, generateName expanded, validation, the namespace must
// exist and the name be free; the cluster behaviour fills in what controllers would (pod status…).

import { type KubeObject, metaOf, rfc3339 } from "../json.js";
import type { ResourceType } from "../resources.js";
import { alreadyExists, notFound } from "../status.js";
import type { ObjectStore } from "../store.js";
import { assertValid } from "../validation.js";
import { groupResource, namespaceOf, SYSTEM_FIELDS, servedForm } from "./objects.js";
import { prepareBody } from "./prepare.js";
import type { RegistryOptions, WriteOptions } from "./types.js";

function requireNamespace(store: ObjectStore, type: ResourceType, namespace: string): void {
  if (!type.namespaced) return;
  if (!store.get("core/namespaces", "", namespace)) {
    throw notFound({ group: "", resource: "namespaces" }, namespace);
  }
}

/** `preserve` (seeding) keeps a given uid and creationTimestamp. */
function stamp(ctx: RegistryOptions, type: ResourceType, obj: KubeObject, preserve: boolean): void {
  const meta = metaOf(obj);
  // A uid present here was given to a seed or set by the cluster behaviour (a Job's selector names
  // it); a client's own uid was removed with the other system fields.
  if (!meta.uid) meta.uid = ctx.newUid();
  if (!preserve || !meta.creationTimestamp) meta.creationTimestamp = rfc3339(ctx.now());
  if (type.hasGeneration) meta.generation = 1;
  meta.resourceVersion = String(ctx.store.nextResourceVersion());
}

/** Stores a prepared object as new (or, on a dry run, only says what would be stored). */
export function insert(
  ctx: RegistryOptions,
  type: ResourceType,
  obj: KubeObject,
  dryRun: boolean | undefined,
  preserve: boolean,
): KubeObject {
  const meta = metaOf(obj);
  if (!preserve) for (const field of SYSTEM_FIELDS) delete meta[field];
  if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${ctx.nameSuffix()}`;
  assertValid(type, obj);
  requireNamespace(ctx.store, type, meta.namespace ?? "");
  if (ctx.store.get(type.storage, meta.namespace ?? "", meta.name ?? "")) {
    throw alreadyExists(groupResource(type), meta.name ?? "");
  }
  ctx.behaviour.onCreate(type.kind, obj);
  if (dryRun) {
    meta.uid = meta.uid ?? ctx.newUid();
    meta.creationTimestamp = meta.creationTimestamp ?? rfc3339(ctx.now());
    return obj;
  }
  stamp(ctx, type, obj, preserve);
  ctx.store.put(type.storage, obj, "ADDED");
  return obj;
}

export function createObject(
  ctx: RegistryOptions,
  type: ResourceType,
  namespace: string,
  body: unknown,
  options: WriteOptions,
): KubeObject {
  const obj = prepareBody(type, namespaceOf(type, namespace), body);
  return servedForm(type, insert(ctx, type, obj, options.dryRun, false));
}
