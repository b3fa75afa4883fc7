// capture: keep the evidence of the alert's pod — the pod, its owner chain, the Events about it, its
// node and the last bytes of every container's log — in Cloud Storage, before the playbook's next
// action (usually the kill) destroys it. Objects are created once and never replaced; manifest.json,
// written last, lists each one's size and SHA-256, and a delivery that finds it is already-done.
// Capture only reads the cluster, so it also keeps evidence in protected namespaces. A storage
// failure that may pass (5xx, 429, no answer) is retried (503, redelivery) until `retryFor` after the
// alert — from the earlier of the router's and Pub/Sub's clocks — then the outcome is failed with the
// error: by then the kill that follows has run, and the evidence is gone anyway. Any other storage
// failure (a permission missing) fails at once.
import { randomUUID } from "node:crypto";
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

  async plan(command, { clients, uses: store, now, logger, publishedAt }) {
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
      // A failed read is no answer: execute reads and writes the same bucket, and decides there.
      const manifest = await store.readManifest(prefix).catch((error: unknown) => {
        logger.warn({ error: String(error) }, "manifest.json not read while planning");
        return undefined;
      });
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
    // From the earlier of the router's clock and Pub/Sub's: a router clock ahead never stretches it.
    const issued = Math.min(Date.parse(command.issuedAt), publishedAt?.getTime() ?? Number.POSITIVE_INFINITY);
    const giveUpAt = issued + (durationMs(retryFor) ?? 0);
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
          if (!manifest.ours)
            return {
              result: "already-done",
              reason: `evidence already kept in ${location}`,
              details: { location },
            };
          const reason = `kept ${manifest.objects.length} objects of pod ${podRef(pod)} in ${location}`;
          return { result: "done", reason, details: { location, missing: manifest.missing.length } };
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

/**
 * Stores the bundle object by object as it is read, then the manifest (unless one is there: an earlier
 * delivery finished). `ours`: the manifest stored is this delivery's.
 */
async function keep(
  clients: ClusterClients,
  incident: string,
  pod: V1Pod,
  logBytes: number,
  store: EvidenceStore,
  prefix: string,
  now: Date,
): Promise<EvidenceManifest & { ours: boolean }> {
  const finished = await store.readManifest(prefix);
  if (finished) return { ...finished, ours: false };
  const objects: EvidenceManifest["objects"] = [];
  const { missing } = await collectBundle(clients, pod, logBytes, async (object) => {
    const stored = await store.createOnce(`${prefix}${object.name}`, object.content, object.contentType);
    objects.push({
      name: object.name,
      size: stored.size,
      sha256: stored.sha256,
      contentType: object.contentType,
    });
  });
  const manifest: EvidenceManifest = {
    v: 1,
    incident,
    cluster: clients.name,
    namespace: pod.metadata?.namespace ?? "",
    pod: pod.metadata?.name ?? "",
    podUid: pod.metadata?.uid ?? "",
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    capturedAt: now.toISOString(),
    captureId: randomUUID(),
    objects,
    missing,
  };
  const content = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, "utf8");
  // `ours` also when only the response was lost: the stored manifest then has exactly these bytes.
  const stored = await store.createOnce(`${prefix}${EVIDENCE_MANIFEST}`, content, "application/json");
  return { ...manifest, ours: stored.ours };
}
