// Lifting Riposte's taint by hand (`riposte untaint NODE`): remove only the riposte.dev/compromised
// taint(s), and the cordon only when the tainter recorded it as its own; other taints and an admin's
// cordon stay. The patch is guarded by the resourceVersion read, so a writer in between makes us
// read again rather than overwrite their change. An Event on the node says who lifted it and why.
import type { CoreV1Api, V1Node } from "@kubernetes/client-node";
import {
  type ClusterClients,
  classifyKubernetesError,
  RACE_LOST,
  recordEvent,
  retryLostRaces,
} from "@riposte/actioner-kit";
import { isIncidentKey } from "@riposte/contracts";
import { COMPROMISED_TAINT, CORDON_ANNOTATION, escapePointer } from "./action.js";

export const UNTAINT_ACTION = "untaint-node";
export const UNTAINT_EVENT_REASON = "RiposteUntainted";

export interface LiftRequest {
  /** Who asks (the operator's name), for the Event. */
  by: string;
  /** Why, already checked (parseOperatorReason). */
  reason: string;
  now: Date;
}

export interface LiftResult {
  lifted: boolean;
  /** The incident Riposte's taint named. */
  incident?: string;
  /** True when Riposte's own cordon was lifted too. */
  uncordoned?: boolean;
  message: string;
  /** Set when the Event could not be written (the taint is lifted all the same). */
  eventError?: string;
}

type Plan = { result: LiftResult } | { node: V1Node; incident: string };

/** The incident the (strongest) taint of ours names; a value that is not an incident key is not ours. */
function planLift(node: V1Node): Plan {
  const name = node.metadata?.name ?? "";
  const ours = (node.spec?.taints ?? []).filter((taint) => taint.key === COMPROMISED_TAINT);
  if (ours.length === 0)
    return {
      result: { lifted: false, message: `node ${name} has no ${COMPROMISED_TAINT} taint: nothing changed` },
    };
  const named = ours.map((taint) => taint.value ?? "").find(isIncidentKey);
  if (!named)
    return {
      result: {
        lifted: false,
        message: `node ${name}: its ${COMPROMISED_TAINT} taint names no Riposte incident (value ${JSON.stringify(ours[0]?.value ?? "")}); nothing changed — remove it with kubectl taint if it is yours`,
      },
    };
  return { node, incident: named };
}

const cordonedByRiposte = (node: V1Node) => node.metadata?.annotations?.[CORDON_ANNOTATION] !== undefined;

/** The JSON patch: the `test` pins the whole node we read. */
function liftOperations(node: V1Node): object[] {
  const others = (node.spec?.taints ?? []).filter((taint) => taint.key !== COMPROMISED_TAINT);
  const operations: object[] = [
    { op: "test", path: "/metadata/resourceVersion", value: node.metadata?.resourceVersion },
    others.length > 0
      ? { op: "replace", path: "/spec/taints", value: others }
      : { op: "remove", path: "/spec/taints" },
  ];
  if (cordonedByRiposte(node)) {
    operations.push({ op: "remove", path: `/metadata/annotations/${escapePointer(CORDON_ANNOTATION)}` });
    if (node.spec?.unschedulable) operations.push({ op: "remove", path: "/spec/unschedulable" });
  }
  return operations;
}

async function readNode(core: CoreV1Api, name: string): Promise<V1Node | undefined> {
  try {
    return await core.readNode({ name });
  } catch (error) {
    if (classifyKubernetesError(error).kind === "not-found") return undefined;
    throw error;
  }
}

function liftedMessage(node: V1Node, incident: string, uncordoned: boolean): string {
  const name = node.metadata?.name ?? "";
  const cordon = uncordoned
    ? " and uncordoned it"
    : node.spec?.unschedulable
      ? " (still cordoned: not by Riposte; kubectl uncordon if it should take pods)"
      : "";
  return `lifted taint ${COMPROMISED_TAINT} (incident ${incident}) from node ${name}${cordon}`;
}

/** Removes Riposte's taint (and its own cordon) from the node, then records an Event on it. */
export async function liftTaint(
  clients: ClusterClients,
  name: string,
  request: LiftRequest,
): Promise<LiftResult> {
  const lifted = await retryLostRaces(`untaint node ${name}`, async () => {
    const node = await readNode(clients.core, name);
    if (!node) return { result: { lifted: false, message: `node ${name} not found` } };
    const plan = planLift(node);
    if ("result" in plan) return plan;
    try {
      await clients.core.patchNode({ name, body: liftOperations(node) });
    } catch (error) {
      const failure = classifyKubernetesError(error);
      // 409 from the API server, or our `test` failing (422): someone wrote since our read.
      if (failure.kind === "conflict" || (failure.kind === "invalid" && failure.code === 422))
        return RACE_LOST;
      if (failure.kind === "not-found") return { result: { lifted: false, message: `node ${name} is gone` } };
      throw error;
    }
    return { node, incident: plan.incident };
  });
  if ("result" in lifted) return lifted.result;
  const { node, incident } = lifted;
  const uncordoned = cordonedByRiposte(node) && node.spec?.unschedulable === true;
  const message = liftedMessage(node, incident, uncordoned);
  const eventError = await recordEvent(clients.core, {
    object: {
      apiVersion: "v1",
      kind: "Node",
      name,
      ...(node.metadata?.uid ? { uid: node.metadata.uid } : {}),
    },
    reason: UNTAINT_EVENT_REASON,
    message: `${message}; by ${request.by}: ${request.reason}`,
    component: "riposte-cli",
    incident,
    action: UNTAINT_ACTION,
    now: request.now,
  });
  return { lifted: true, incident, uncordoned, message, ...(eventError ? { eventError } : {}) };
}
