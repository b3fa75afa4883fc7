// Lifting a quarantine (`riposte release POD -n NS`): remove the label and annotations, and the
// allowance policies of that incident. The namespace's deny-all policy stays: it selects nobody once
// no pod carries the label, and other quarantined pods in the namespace still need it.
import type { ClusterClients } from "@riposte/k8s-response";
import { classifyKubernetesError } from "@riposte/k8s-response";
import { QUARANTINE_LABEL } from "./action.js";

const ANNOTATIONS = ["riposte.dev/quarantine-rule", "riposte.dev/quarantined-at"];

function pointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

export interface ReleaseResult {
  released: boolean;
  incident?: string;
  message: string;
}

export async function releaseQuarantine(
  clients: ClusterClients,
  namespace: string,
  name: string,
): Promise<ReleaseResult> {
  const pod = await clients.core.readNamespacedPod({ name, namespace });
  const incident = pod.metadata?.labels?.[QUARANTINE_LABEL];
  if (!incident) return { released: false, message: `pod ${namespace}/${name} is not quarantined` };
  const operations: object[] = [
    // Only if it is still the same quarantine we read.
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
  return {
    released: true,
    incident,
    message: `released pod ${namespace}/${name} from quarantine (incident ${incident})`,
  };
}
