// Lifting a quarantine (`riposte release POD -n NS`): remove the label and annotations, and the
// allowance policies of that incident. The namespace's deny-all policy stays: it selects nobody once
// no pod carries the label, and other quarantined pods in the namespace still need it. With an
// operator's audit (who and why), an Event on the pod records the release.

import type { ClusterClients } from "@riposte/actioner-kit";
import { classifyKubernetesError, recordEvent } from "@riposte/actioner-kit";
import { isIncidentKey } from "@riposte/contracts";
import { QUARANTINE_LABEL } from "./action.js";

const ANNOTATIONS = [
  "riposte.dev/quarantine-rule",
  "riposte.dev/quarantined-at",
  "riposte.dev/quarantine-ttl",
];

function pointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

export const RELEASE_ACTION = "release-pod";
export const RELEASE_EVENT_REASON = "RiposteReleased";

export interface ReleaseAudit {
  /** Who asks (the operator's name, or the isolator for an expired lease). */
  by: string;
  /** Why, already checked (parseOperatorReason). */
  reason: string;
  now: Date;
  /** The Event's reporting component (default riposte-cli). */
  component?: string;
}

/** Release only this pod from this incident's quarantine (a lease's): a replacement or another incident's is left alone. */
export interface ExpectedQuarantine {
  uid: string;
  incident: string;
}

export interface ReleaseResult {
  released: boolean;
  incident?: string;
  /** The released pod's uid (its quarantine lease is keyed by it). */
  uid?: string;
  message: string;
  /** Set when the Event could not be written (the pod is released all the same). */
  eventError?: string;
}

export async function releaseQuarantine(
  clients: ClusterClients,
  namespace: string,
  name: string,
  audit?: ReleaseAudit,
  expected?: ExpectedQuarantine,
): Promise<ReleaseResult> {
  const pod = await clients.core.readNamespacedPod({ name, namespace });
  const incident = pod.metadata?.labels?.[QUARANTINE_LABEL];
  if (expected && pod.metadata?.uid !== expected.uid)
    return {
      released: false,
      message: `pod ${namespace}/${name} was replaced (uid ${pod.metadata?.uid}, not ${expected.uid}); nothing changed`,
    };
  if (!incident) return { released: false, message: `pod ${namespace}/${name} is not quarantined` };
  if (expected && incident !== expected.incident)
    return {
      released: false,
      message: `pod ${namespace}/${name} is quarantined by incident ${incident}, not ${expected.incident}; nothing changed`,
    };
  // The isolator writes only incident keys: another value was put there by hand, and its policies
  // (riposte-dns-<value>) are no name of ours.
  if (!isIncidentKey(incident))
    return {
      released: false,
      message: `pod ${namespace}/${name}: its ${QUARANTINE_LABEL} label names no Riposte incident (value ${JSON.stringify(incident)}); nothing changed — remove it with kubectl label if it is yours`,
    };
  const operations: object[] = [
    // Only if it is still the same pod and the same quarantine we read.
    ...(expected ? [{ op: "test", path: "/metadata/uid", value: expected.uid }] : []),
    { op: "test", path: `/metadata/labels/${pointer(QUARANTINE_LABEL)}`, value: incident },
    { op: "remove", path: `/metadata/labels/${pointer(QUARANTINE_LABEL)}` },
    ...ANNOTATIONS.filter((key) => pod.metadata?.annotations?.[key] !== undefined).map((key) => ({
      op: "remove",
      path: `/metadata/annotations/${pointer(key)}`,
    })),
  ];
  await clients.core.patchNamespacedPod({ name, namespace, body: operations });
  for (const policy of [`riposte-dns-${incident}`, `riposte-forensics-${incident}`]) {
    try {
      await clients.networking.deleteNamespacedNetworkPolicy({ name: policy, namespace });
    } catch (error) {
      if (classifyKubernetesError(error).kind !== "not-found") throw error;
    }
  }
  const message = `released pod ${namespace}/${name} from quarantine (incident ${incident})`;
  const uid = pod.metadata?.uid ? { uid: pod.metadata.uid } : {};
  if (!audit) return { released: true, incident, ...uid, message };
  const eventError = await recordEvent(clients.core, {
    object: {
      apiVersion: "v1",
      kind: "Pod",
      namespace,
      name,
      ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}),
    },
    reason: RELEASE_EVENT_REASON,
    message: `${message}; by ${audit.by}: ${audit.reason}`,
    component: audit.component ?? "riposte-cli",
    incident,
    action: RELEASE_ACTION,
    now: audit.now,
  });
  return { released: true, incident, ...uid, message, ...(eventError ? { eventError } : {}) };
}
