// Small facts about stored objects shared by every verb: where they live, their served form, and
// which parts of them the server owns.

import { clone, type KubeObject, metaOf } from "../json.js";
import type { ResourceType } from "../resources.js";
import { notFound } from "../status.js";
import type { ObjectStore } from "../store.js";

/** Set by the server on create; a client's values are dropped. */
export const SYSTEM_FIELDS = [
  "uid",
  "resourceVersion",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "generation",
] as const;

export function namespaceOf(type: ResourceType, namespace: string | undefined): string {
  return type.namespaced ? (namespace ?? "") : "";
}

/** The etcd key the API server names in precondition failures. */
export function etcdKey(type: ResourceType, namespace: string, name: string): string {
  return type.namespaced ? `${type.etcdPrefix}/${namespace}/${name}` : `${type.etcdPrefix}/${name}`;
}

export function groupResource(type: ResourceType) {
  return { group: type.group, resource: type.resource };
}

/** The served form of a stored object (events.k8s.io view of core events). */
export function servedForm(type: ResourceType, stored: KubeObject): KubeObject {
  return type.view ? type.view.fromStorage(stored) : stored;
}

export function storedForm(type: ResourceType, served: KubeObject): KubeObject {
  return type.view ? type.view.toStorage(served) : served;
}

export function requireStored(
  store: ObjectStore,
  type: ResourceType,
  namespace: string,
  name: string,
): KubeObject {
  const stored = store.get(type.storage, namespaceOf(type, namespace), name);
  if (!stored) throw notFound(groupResource(type), name);
  return stored;
}

/** Everything but metadata and status: what a generation counts changes of. */
export function specPart(obj: KubeObject): KubeObject {
  const { metadata: _metadata, status: _status, ...rest } = obj;
  return rest;
}

export function withoutResourceVersion(obj: KubeObject): KubeObject {
  const copy = clone(obj);
  delete metaOf(copy).resourceVersion;
  return copy;
}

/** Types whose main-resource writes keep the stored status (status is a subresource). */
export function hasStatusSubresource(type: ResourceType): boolean {
  return type.subresources.some((s) => s.name === "status");
}
