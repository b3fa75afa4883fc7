// What an evidence bundle holds, read from the cluster: the pod, its owner chain, the Events about it,
// its node, and the last bytes of every container's log (current and previous instance). Each object
// is handed on (stored) as soon as it is read, so at most one log is in memory at a time. What cannot
// be read (no previous instance, an owner already deleted, no permission) is listed as missing with
// the reason, and the rest is kept: partial evidence beats none. Transient errors are thrown, so the
// delivery is retried.
import type { V1ObjectMeta, V1OwnerReference, V1Pod } from "@kubernetes/client-node";
import { type ClusterClients, classifyKubernetesError } from "@riposte/actioner-kit";
import { containerLogObject, isDns1123Label } from "@riposte/contracts";
import { readLastLogBytes } from "./logs.js";

export interface BundleObject {
  /** Relative to the bundle's prefix. */
  name: string;
  content: Buffer;
  contentType: string;
}

export interface Bundle {
  missing: { name: string; reason: string }[];
}

/** Stores one object of the bundle (called in order, one at a time). */
export type KeepObject = (object: BundleObject) => Promise<void>;

/** Owners followed upwards at most (ReplicaSet → Deployment is two). */
const MAX_OWNER_DEPTH = 4;

const json = (name: string, value: unknown): BundleObject => ({
  name,
  content: Buffer.from(`${JSON.stringify(value, null, 2)}\n`, "utf8"),
  contentType: "application/json",
});

/** The reads an object is missing for: final answers (gone, forbidden, refused) become a reason. */
async function readOr<T>(read: () => Promise<T>): Promise<{ value: T } | { reason: string }> {
  try {
    return { value: await read() };
  } catch (error) {
    const failure = classifyKubernetesError(error);
    if (failure.kind === "transient" || failure.kind === "unauthorized") throw error;
    return { reason: `${failure.kind}: ${failure.message.slice(0, 300)}` };
  }
}

type OwnerObject = { metadata?: V1ObjectMeta };

function readOwner(
  clients: ClusterClients,
  namespace: string,
  owner: V1OwnerReference,
): Promise<OwnerObject> | undefined {
  const name = owner.name;
  const group = owner.apiVersion.split("/")[0];
  if (group === "apps") {
    if (owner.kind === "ReplicaSet") return clients.apps.readNamespacedReplicaSet({ name, namespace });
    if (owner.kind === "Deployment") return clients.apps.readNamespacedDeployment({ name, namespace });
    if (owner.kind === "StatefulSet") return clients.apps.readNamespacedStatefulSet({ name, namespace });
    if (owner.kind === "DaemonSet") return clients.apps.readNamespacedDaemonSet({ name, namespace });
  }
  if (group === "batch") {
    if (owner.kind === "Job") return clients.batch.readNamespacedJob({ name, namespace });
    if (owner.kind === "CronJob") return clients.batch.readNamespacedCronJob({ name, namespace });
  }
  return undefined;
}

async function ownerChain(
  clients: ClusterClients,
  pod: V1Pod,
  missing: Bundle["missing"],
): Promise<unknown[]> {
  const namespace = pod.metadata?.namespace ?? "";
  const chain: unknown[] = [];
  let current: OwnerObject = pod;
  for (let depth = 0; depth < MAX_OWNER_DEPTH; depth += 1) {
    const owner = current.metadata?.ownerReferences?.find((reference) => reference.controller);
    if (!owner) break;
    const reading = readOwner(clients, namespace, owner);
    if (!reading) {
      // Kept as the reference itself: a kind Riposte has no permission to read.
      chain.push({ ownerReference: owner, note: "kind not followed" });
      break;
    }
    const read = await readOr(() => reading);
    if ("reason" in read) {
      missing.push({ name: `owners.json: ${owner.kind} ${owner.name}`.slice(0, 300), reason: read.reason });
      chain.push({ ownerReference: owner });
      break;
    }
    chain.push(read.value);
    current = read.value;
  }
  return chain;
}

export async function collectBundle(
  clients: ClusterClients,
  pod: V1Pod,
  logBytes: number,
  keep: KeepObject,
): Promise<Bundle> {
  const namespace = pod.metadata?.namespace ?? "";
  const name = pod.metadata?.name ?? "";
  const uid = pod.metadata?.uid ?? "";
  const missing: Bundle["missing"] = [];
  await keep(json("pod.json", pod));
  await keep(json("owners.json", await ownerChain(clients, pod, missing)));

  const events = await readOr(() =>
    clients.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.uid=${uid}` }),
  );
  if ("value" in events) await keep(json("events.json", events.value.items));
  else missing.push({ name: "events.json", reason: events.reason });

  const nodeName = pod.spec?.nodeName;
  if (nodeName) {
    const node = await readOr(() => clients.core.readNode({ name: nodeName }));
    if ("value" in node) await keep(json("node.json", node.value));
    else missing.push({ name: "node.json", reason: node.reason });
  } else missing.push({ name: "node.json", reason: "the pod is not scheduled on a node" });

  const containers = [
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.ephemeralContainers ?? []),
  ].map((container) => container.name);
  for (const container of containers) {
    if (!isDns1123Label(container)) {
      missing.push({
        name: `logs of ${JSON.stringify(container.slice(0, 80))}`,
        reason: "not a container name",
      });
      continue;
    }
    for (const previous of [false, true]) {
      const objectName = containerLogObject(container, previous);
      const log = await readLastLogBytes(
        clients.core,
        { namespace, pod: name, container, previous },
        logBytes,
      );
      if (log.kind === "none") {
        missing.push({ name: objectName, reason: log.reason });
        continue;
      }
      // Bytes as the API gave them: the cut may fall inside a UTF-8 character, hence no charset.
      await keep({ name: objectName, content: log.content, contentType: "text/plain" });
      if (log.note) missing.push({ name: `the tail of ${objectName}`, reason: log.note });
    }
  }
  return { missing };
}
