// The registry's contract: what each verb takes and returns, and what it is built from.

import type { ClusterBehaviour } from "../cluster-behaviour.js";
import type { KubeObject } from "../json.js";
import type { ResourceType } from "../resources.js";
import type { ObjectStore } from "../store.js";

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
