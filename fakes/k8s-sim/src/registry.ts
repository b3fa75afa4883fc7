// API semantics of each verb over the store, as kube-apiserver's generic registry implements them:
// system fields on create, optimistic concurrency on update, the three patch formats, delete with
// preconditions and grace periods, garbage collection of dependents, selectors and paging on list.
// Each verb lives in ./registry/; this module wires them to one store and clock.

import { applyManifest } from "./registry/apply.js";
import { createObject } from "./registry/create.js";
import { deleteCollection, deleteObject } from "./registry/delete.js";
import { listObjects } from "./registry/list.js";
import { matcherFor, parseSelectors } from "./registry/matching.js";
import { requireStored, servedForm } from "./registry/objects.js";
import type { Registry, RegistryOptions } from "./registry/types.js";
import { patchObject, updateObject } from "./registry/update.js";

export { OWNER_INDEX } from "./registry/gc.js";
export { parseManifests } from "./registry/manifests.js";
export { patchDocument } from "./registry/patch-document.js";
export type {
  DeleteOptions,
  DeleteResult,
  ListOptions,
  ListResult,
  Registry,
  RegistryOptions,
  WriteOptions,
} from "./registry/types.js";

export function createRegistry(options: RegistryOptions): Registry {
  const { store } = options;
  return {
    serve: servedForm,
    get: (type, namespace, name) => servedForm(type, requireStored(store, type, namespace, name)),
    matcher: (type, namespace, list) => matcherFor(type, namespace, parseSelectors(type, list)),
    list: (type, namespace, list = {}) => listObjects(store, type, namespace, list),
    create: (type, namespace, body, write = {}) => createObject(options, type, namespace, body, write),
    update: (type, namespace, name, body, write = {}) =>
      updateObject(options, type, namespace, name, body, write),
    patch: (type, namespace, name, contentType, patch, write = {}) =>
      patchObject(options, type, namespace, name, contentType, patch, write),
    delete: (type, namespace, name, deleteOptions = {}) =>
      deleteObject(options, type, namespace, name, deleteOptions),
    deleteCollection: (type, namespace, list, deleteOptions) =>
      deleteCollection(options, type, namespace, list, deleteOptions),
    apply: (obj) => applyManifest(options, obj),
  };
}
