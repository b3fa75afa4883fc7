// Removing an object and what goes with it: a namespace's contents, and dependents by owner uid
// (the garbage collector's background deletion).

import { type KubeObject, metaOf } from "../json.js";
import { RESOURCE_TYPES, type ResourceType } from "../resources.js";
import type { ObjectStore } from "../store.js";

/** Name of the store index of objects by `metadata.ownerReferences[].uid`. */
export const OWNER_INDEX = "metadata.ownerReferences.uid";

function removeNamespaceContents(store: ObjectStore, namespace: string): void {
  const storages = new Set(RESOURCE_TYPES.filter((t) => t.namespaced).map((t) => t.storage));
  for (const storage of storages) {
    for (const obj of store.list(storage, { namespace })) {
      store.remove(storage, namespace, metaOf(obj).name ?? "", store.nextResourceVersion());
    }
  }
}

/** The garbage collector's background deletion: dependents go when their owner goes. */
function collectDependents(store: ObjectStore, ownerUid: string): void {
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
      if (removed && meta.uid) collectDependents(store, meta.uid);
    }
  }
}

/** Removes `stored`, announcing `finalState` (its resourceVersion already set) to watchers. */
export function removeStored(
  store: ObjectStore,
  type: ResourceType,
  stored: KubeObject,
  finalState: KubeObject,
  propagation?: string,
): void {
  const meta = metaOf(stored);
  store.remove(
    type.storage,
    meta.namespace ?? "",
    meta.name ?? "",
    Number(metaOf(finalState).resourceVersion),
    finalState,
  );
  if (type.kind === "Namespace") removeNamespaceContents(store, meta.name ?? "");
  if (propagation !== "Orphan" && meta.uid) collectDependents(store, meta.uid);
}
