// delete: uid and resourceVersion preconditions, per-kind final states (graceful pods, terminating
// namespaces, finalizers that hold an object), then removal with its dependents.

import { clone, getNumber, type KubeObject, metaOf, rfc3339 } from "../json.js";
import type { ResourceType } from "../resources.js";
import { preconditionFailed, successStatus } from "../status.js";
import { removeStored } from "./gc.js";
import { listObjects } from "./list.js";
import { etcdKey, groupResource, namespaceOf, requireStored, servedForm } from "./objects.js";
import type { DeleteOptions, DeleteResult, ListOptions, RegistryOptions } from "./types.js";

function checkPreconditions(
  type: ResourceType,
  namespace: string,
  name: string,
  stored: KubeObject,
  preconditions: NonNullable<DeleteOptions["preconditions"]>,
): void {
  const meta = metaOf(stored);
  if (preconditions.uid !== undefined && preconditions.uid !== meta.uid) {
    throw preconditionFailed(
      groupResource(type),
      name,
      etcdKey(type, namespace, name),
      `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${meta.uid ?? ""}`,
    );
  }
  if (preconditions.resourceVersion !== undefined && preconditions.resourceVersion !== meta.resourceVersion) {
    throw preconditionFailed(
      groupResource(type),
      name,
      etcdKey(type, namespace, name),
      `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ""}`,
    );
  }
}

/** The object as its deletion reports it: deletionTimestamp and, per kind, grace or phase. */
function finalStateOf(
  type: ResourceType,
  stored: KubeObject,
  gracePeriodSeconds: number | undefined,
  now: Date,
): KubeObject {
  const meta = metaOf(stored);
  const finalState = clone(stored);
  const finalMeta = metaOf(finalState);
  if (type.kind === "Pod") {
    // Graceful deletion is reported (deletionTimestamp = now + grace) but the pod goes at once:
    // there is no kubelet to wait for, and a 404 on the next GET is what clients treat as done.
    const grace = gracePeriodSeconds ?? getNumber(stored, ["spec", "terminationGracePeriodSeconds"]) ?? 30;
    finalMeta.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
    finalMeta.deletionGracePeriodSeconds = grace;
  } else if (type.kind === "Namespace") {
    finalMeta.deletionTimestamp = rfc3339(now);
    finalState.status = { phase: "Terminating" };
  } else if ((meta.finalizers ?? []).length > 0) {
    finalMeta.deletionTimestamp = meta.deletionTimestamp ?? rfc3339(now);
  }
  return finalState;
}

function deletedStatus(type: ResourceType, name: string, uid: string | undefined): KubeObject {
  const details: Record<string, string> = { name, kind: type.resource, uid: uid ?? "" };
  if (type.group) details.group = type.group;
  return { ...successStatus(details) };
}

export function deleteObject(
  ctx: RegistryOptions,
  type: ResourceType,
  namespace: string,
  name: string,
  options: DeleteOptions,
): DeleteResult {
  const ns = namespaceOf(type, namespace);
  const stored = requireStored(ctx.store, type, ns, name);
  const meta = metaOf(stored);
  checkPreconditions(type, ns, name, stored, options.preconditions ?? {});
  const finalState = finalStateOf(type, stored, options.gracePeriodSeconds, ctx.now());
  // Pods and namespaces answer with the object, everything else with a Success Status.
  const answer = () =>
    type.returnsDeletedObject ? servedForm(type, finalState) : deletedStatus(type, name, meta.uid);
  if (options.dryRun) return { body: answer() };
  metaOf(finalState).resourceVersion = String(ctx.store.nextResourceVersion());
  if (type.kind !== "Namespace" && type.kind !== "Pod" && (meta.finalizers ?? []).length > 0) {
    // Finalizers hold the object until whoever owns them removes them with an update.
    ctx.store.put(type.storage, finalState, "MODIFIED");
    return { body: servedForm(type, finalState) };
  }
  removeStored(ctx.store, type, stored, finalState, options.propagationPolicy);
  return { body: answer() };
}

export function deleteCollection(
  ctx: RegistryOptions,
  type: ResourceType,
  namespace: string | undefined,
  list: ListOptions,
  options: DeleteOptions,
): KubeObject[] {
  const { items } = listObjects(ctx.store, type, namespace, list);
  return items.map((item) => {
    const meta = metaOf(item);
    return deleteObject(ctx, type, meta.namespace ?? "", meta.name ?? "", options).body;
  });
}
