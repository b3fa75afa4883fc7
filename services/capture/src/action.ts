// capture: keep the evidence of the alert's pod — the pod, its owner chain, the Events about it, its
// node and the last bytes of every container's log — in Cloud Storage, before the playbook's next
// action (usually the kill) destroys it. Objects are created once and never replaced; manifest.json,
// written last, lists each one's size and SHA-256, and a redelivery that finds it is already-done.
// Capture only reads the cluster, so it also keeps evidence in protected namespaces. A storage
// failure is retried (503, redelivery) until `retryFor` after the alert, then the outcome is failed
// with the error: by then the kill that follows has run, and the evidence is gone anyway.
import type { V1Pod } from "@kubernetes/client-node";
import {
  type ClusterClients,
  EVENT_PERMISSION,
  kubernetesAction,
  podRef,
  resolveTargetPod,
} from "@riposte/actioner-kit";
import { durationMs, EVIDENCE_MANIFEST, type EvidenceManifest, evidencePrefix } from "@riposte/contracts";
import { RetryableError } from "@riposte/service-kit";
import { collectBundle } from "./bundle.js";
import { EvidenceStorageError, type EvidenceStore } from "./evidence-store.js";

/** Reading a few logs and uploading them takes longer than one API call: within the 25 s push deadline. */
export const CAPTURE_STEP_TIMEOUT_MS = 18_000;

export const capture = kubernetesAction<"capture", EvidenceStore>("capture", {
  description: "Keeps the evidence of an alert's pod in Cloud Storage before it is killed",
  permissions: [
    {
      apiGroups: [""],
      resources: ["pods"],
      verbs: ["get", "list"],
      reason: "find the pod by name or by container id on its node, and keep it",
    },
    {
      apiGroups: [""],
      resources: ["pods/log"],
      verbs: ["get"],
      reason: "keep the last bytes of each container's log",
    },
    { apiGroups: [""], resources: ["events"], verbs: ["list"], reason: "keep the Events about the pod" },
    { apiGroups: [""], resources: ["nodes"], verbs: ["get"], reason: "keep the pod's node" },
    {
      apiGroups: ["apps"],
      resources: ["replicasets", "deployments", "statefulsets", "daemonsets"],
      verbs: ["get"],
      reason: "keep the pod's owner chain",
    },
    {
      apiGroups: ["batch"],
      resources: ["jobs", "cronjobs"],
      verbs: ["get"],
      reason: "keep the pod's owner chain",
    },
    EVENT_PERMISSION,
  ],
  // Each capture reads every log of a pod and writes a bundle: a storm must not saturate the API server.
  limits: [{ name: "captures per cluster", scope: "cluster", max: 30, windowMs: 60_000 }],
  stepTimeoutMs: CAPTURE_STEP_TIMEOUT_MS,

  async plan(command, { clients, uses: store, now }) {
    const resolution = await resolveTargetPod(clients.core, command.target, command.alert);
    const { namespace, pod: podName } = command.target;
    const known =
      resolution.kind === "found"
        ? { namespace: resolution.pod.metadata?.namespace ?? "", pod: resolution.pod.metadata?.name ?? "" }
        : namespace && podName
          ? { namespace, pod: podName }
          : undefined;
    const prefix = known && evidencePrefix({ cluster: clients.name, ...known, incident: command.incident });
    const location = prefix && store.url(prefix);
    if (prefix) {
      const manifest = await readManifest(store, prefix);
      if (manifest)
        return {
          result: "already-done",
          reason: `evidence already kept in ${location} (${manifest.objects.length} objects)`,
          details: { location },
        };
    }
    if (resolution.kind === "none") return { result: "refused", reason: resolution.reason };
    if (resolution.kind !== "found")
      return { result: "stale", reason: `${resolution.reason}; no evidence kept (the pod is not there)` };
    if (!prefix || !location) throw new Error("a found pod always has a prefix");

    const { pod } = resolution;
    const { logBytes, retryFor } = command.params;
    const giveUpAt = Date.parse(command.issuedAt) + (durationMs(retryFor) ?? 0);
    return {
      description: `keep the evidence of pod ${podRef(pod)} (uid ${pod.metadata?.uid}) in ${location}`,
      object: {
        apiVersion: "v1",
        kind: "Pod",
        name: pod.metadata?.name ?? "",
        namespace: pod.metadata?.namespace ?? "",
        uid: pod.metadata?.uid ?? "",
      },
      details: { location, resolvedBy: resolution.via },
      async execute() {
        try {
          const manifest = await keep(clients, command.incident, pod, logBytes, store, prefix, now);
          const reason = `kept ${manifest.objects.length} objects of pod ${podRef(pod)} in ${location}`;
          return manifest.written
            ? { result: "done", reason, details: { location, missing: manifest.missing.length } }
            : {
                result: "already-done",
                reason: `evidence already kept in ${location}`,
                details: { location },
              };
        } catch (error) {
          if (!(error instanceof EvidenceStorageError)) throw error;
          if (error.transient && Date.now() < giveUpAt)
            throw new RetryableError(error.message, { cause: error });
          return {
            result: "failed",
            reason: error.transient ? `gave up ${retryFor} after the alert: ${error.message}` : error.message,
            details: { location },
          };
        }
      },
    };
  },
});

async function readManifest(store: EvidenceStore, prefix: string): Promise<EvidenceManifest | undefined> {
  try {
    return await store.readManifest(prefix);
  } catch (error) {
    if (error instanceof EvidenceStorageError && error.transient)
      throw new RetryableError(error.message, { cause: error });
    throw error;
  }
}

/** Collects the bundle, stores each object once, then the manifest; `written`: this delivery wrote it. */
async function keep(
  clients: ClusterClients,
  incident: string,
  pod: V1Pod,
  logBytes: number,
  store: EvidenceStore,
  prefix: string,
  now: Date,
): Promise<EvidenceManifest & { written: boolean }> {
  const bundle = await collectBundle(clients, pod, logBytes);
  const objects: EvidenceManifest["objects"] = [];
  // One at a time: a bundle is a handful of objects, and a storage outage fails the first, not all.
  for (const object of bundle.objects) {
    const stored = await store.createOnce(`${prefix}${object.name}`, object.content, object.contentType);
    objects.push({
      name: object.name,
      size: stored.size,
      sha256: stored.sha256,
      contentType: object.contentType,
    });
  }
  const manifest: EvidenceManifest = {
    v: 1,
    incident,
    cluster: clients.name,
    namespace: pod.metadata?.namespace ?? "",
    pod: pod.metadata?.name ?? "",
    podUid: pod.metadata?.uid ?? "",
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    capturedAt: now.toISOString(),
    objects,
    missing: bundle.missing,
  };
  const content = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, "utf8");
  const stored = await store.createOnce(`${prefix}${EVIDENCE_MANIFEST}`, content, "application/json");
  return { ...manifest, written: stored.created };
}
