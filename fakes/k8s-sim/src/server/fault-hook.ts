// Where an injected fault shapes a resource request: a delay, a dropped connection or an error status.

import type { IncomingMessage } from "node:http";
import type { ActiveFault, FaultTarget } from "../faults.js";
import { injectedFailure } from "../status.js";
import type { ResourceRoute } from "./context.js";
import type { RequestTrace } from "./request-trace.js";

export function faultTarget(route: ResourceRoute): FaultTarget {
  return {
    verb: route.verb,
    resource: route.type.resource,
    subresource: route.subresource,
    namespace: route.namespace,
    name: route.name,
  };
}

/** Suffers the fault taken for this request; true when the request must get no answer at all. */
export async function applyFault(
  fault: ActiveFault,
  req: IncomingMessage,
  trace: RequestTrace,
): Promise<boolean> {
  trace.record.faultId = fault.id;
  if (fault.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
  // The client gave up during the delay (its deadline passed): like an API server whose request
  // context is cancelled before the write, nothing is done; the log shows status 0.
  if (req.socket.destroyed) {
    trace.dropped = true;
    return true;
  }
  if (fault.drop) {
    trace.dropped = true;
    req.socket.destroy();
    return true;
  }
  if (fault.status !== undefined) throw injectedFailure(fault.status, fault.retryAfterSeconds);
  return false;
}
