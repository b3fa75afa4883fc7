// Every action leaves a Kubernetes Event on the object it touched, so `kubectl describe` and
// `kubectl get events` tell the cluster's operators what Riposte did and why.
import type { CoreV1Api } from "@kubernetes/client-node";
import { classifyKubernetesError } from "./errors.js";

export interface InvolvedObject {
  apiVersion: string;
  kind: "Pod" | "Node";
  name: string;
  namespace?: string;
  uid?: string;
}

export interface EventSpec {
  object: InvolvedObject;
  /** e.g. RiposteKillPod */
  reason: string;
  message: string;
  /** e.g. riposte-pod-killer */
  component: string;
  incident: string;
  action: string;
  now: Date;
}

/**
 * Writes the event; its name is derived from action and incident, so a redelivered command does not
 * write a second one. Returns an error text instead of throwing: the action already happened.
 */
export async function recordEvent(core: CoreV1Api, spec: EventSpec): Promise<string | undefined> {
  const namespace = spec.object.namespace ?? "default";
  try {
    await core.createNamespacedEvent({
      namespace,
      body: {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: `riposte-${spec.action}-${spec.incident}`, namespace },
        involvedObject: { ...spec.object, namespace: spec.object.namespace },
        reason: spec.reason,
        // Event messages are capped at 1 KiB by the API server.
        message: spec.message.slice(0, 1024),
        type: "Warning",
        source: { component: spec.component },
        // A legacy-style event (no eventTime): what `kubectl describe` shows and every API server accepts.
        firstTimestamp: spec.now,
        lastTimestamp: spec.now,
        count: 1,
      },
    });
    return undefined;
  } catch (error) {
    const failure = classifyKubernetesError(error);
    if (failure.kind === "conflict") return undefined; // written by an earlier delivery
    return `event not recorded: ${failure.message}`;
  }
}
