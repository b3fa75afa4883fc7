// apply (seeding, not an API verb): create-or-replace by kind and apiVersion, creating a missing
// namespace first and keeping a replaced object's identity unless the manifest sets it.

import { deepEqual, isObject, type KubeObject, metaOf } from "../json.js";
import { type ResourceType, resolveType, splitApiVersion } from "../resources.js";
import { KubeApiError } from "../status.js";
import { assertValid } from "../validation.js";
import { insert } from "./create.js";
import { servedForm, specPart } from "./objects.js";
import { prepareBody } from "./prepare.js";
import type { RegistryOptions } from "./types.js";

function manifestType(input: KubeObject): ResourceType {
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
  return type;
}

function getNamespace(obj: KubeObject): string | undefined {
  const ns = metaOf(obj).namespace;
  return typeof ns === "string" && ns !== "" ? ns : undefined;
}

/** Replace in place (one MODIFIED event), keeping identity unless the manifest sets it. */
function replaceInPlace(ctx: RegistryOptions, type: ResourceType, obj: KubeObject, existing: KubeObject) {
  const meta = metaOf(obj);
  const existingMeta = metaOf(existing);
  meta.uid = meta.uid ?? existingMeta.uid;
  meta.creationTimestamp = meta.creationTimestamp ?? existingMeta.creationTimestamp;
  assertValid(type, obj);
  ctx.behaviour.onCreate(type.kind, obj);
  if (type.hasGeneration) {
    const generation = existingMeta.generation ?? 1;
    meta.generation = deepEqual(specPart(obj), specPart(existing)) ? generation : generation + 1;
    if (isObject(obj.status) && obj.status.observedGeneration !== undefined) {
      obj.status.observedGeneration = meta.generation;
    }
  }
  meta.resourceVersion = String(ctx.store.nextResourceVersion());
  ctx.store.put(type.storage, obj, "MODIFIED");
  return servedForm(type, obj);
}

export function applyManifest(ctx: RegistryOptions, input: KubeObject): KubeObject {
  const type = manifestType(input);
  const namespace = type.namespaced ? (getNamespace(input) ?? "default") : "";
  if (type.namespaced && !ctx.store.get("core/namespaces", "", namespace)) {
    applyManifest(ctx, { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
  }
  const obj = prepareBody(type, namespace, input);
  const meta = metaOf(obj);
  delete meta.resourceVersion;
  const existing = ctx.store.get(type.storage, namespace, meta.name ?? "");
  if (!existing) return servedForm(type, insert(ctx, type, obj, false, true));
  return replaceInPlace(ctx, type, obj, existing);
}
