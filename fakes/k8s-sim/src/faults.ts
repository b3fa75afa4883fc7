// Fault injection: make the next N matching API calls fail (500/503/429…), stall, or drop the
// connection — the transient failures Riposte's actioners must retry through.

export interface FaultSpec {
  /** Plural resource (`pods`) or `resource/subresource` (`pods/eviction`); omit for any. */
  resource?: string;
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection. */
  verb?: string;
  namespace?: string;
  name?: string;
  /** Answer with this HTTP status and a matching Status body (429 carries Retry-After). */
  status?: number;
  retryAfterSeconds?: number;
  /** Delay before the request is handled (or before the fault status is sent). */
  latencyMs?: number;
  /** Destroy the connection without an answer. */
  drop?: boolean;
  /** How many matching calls this fault applies to. */
  times: number;
}

export interface ActiveFault extends FaultSpec {
  id: string;
  /** Matching calls still to be affected. */
  remaining: number;
}

/** What the injector knows about a request when deciding whether a fault applies. */
export interface FaultTarget {
  verb: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export class FaultSpecError extends Error {
  readonly field: string;
  readonly value: unknown;
  constructor(field: string, value: unknown, expected: string) {
    super(`fault ${field}=${JSON.stringify(value)} is invalid: expected ${expected}`);
    this.name = "FaultSpecError";
    this.field = field;
    this.value = value;
  }
}

const VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

export interface FaultInjector {
  inject(spec: FaultSpec): ActiveFault;
  clear(): void;
  list(): ActiveFault[];
  /** Consumes one use of the first fault matching the request, if any. */
  take(target: FaultTarget): ActiveFault | undefined;
}

function validate(spec: FaultSpec): void {
  if (!Number.isInteger(spec.times) || spec.times < 1) {
    throw new FaultSpecError("times", spec.times, "a positive integer");
  }
  if (
    spec.status !== undefined &&
    (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599)
  ) {
    throw new FaultSpecError("status", spec.status, "an HTTP error status between 400 and 599");
  }
  if (spec.latencyMs !== undefined && (!Number.isFinite(spec.latencyMs) || spec.latencyMs < 0)) {
    throw new FaultSpecError("latencyMs", spec.latencyMs, "a non-negative number of milliseconds");
  }
  if (
    spec.retryAfterSeconds !== undefined &&
    (!Number.isInteger(spec.retryAfterSeconds) || spec.retryAfterSeconds < 0)
  ) {
    throw new FaultSpecError("retryAfterSeconds", spec.retryAfterSeconds, "a non-negative integer");
  }
  if (spec.verb !== undefined && !VERBS.includes(spec.verb)) {
    throw new FaultSpecError("verb", spec.verb, `one of ${VERBS.join(", ")}`);
  }
  if (spec.status === undefined && spec.latencyMs === undefined && spec.drop !== true) {
    throw new FaultSpecError("status", spec.status, "at least one of status, latencyMs or drop: true");
  }
}

function matches(fault: ActiveFault, target: FaultTarget): boolean {
  if (fault.verb !== undefined && fault.verb !== target.verb) return false;
  if (fault.resource !== undefined) {
    const combined = target.subresource ? `${target.resource}/${target.subresource}` : target.resource;
    const wanted = fault.resource.includes("/") ? combined : target.resource;
    if (fault.resource !== wanted) return false;
  }
  if (fault.namespace !== undefined && fault.namespace !== target.namespace) return false;
  if (fault.name !== undefined && fault.name !== target.name) return false;
  return true;
}

export function createFaultInjector(): FaultInjector {
  let faults: ActiveFault[] = [];
  let counter = 0;
  return {
    inject(spec) {
      validate(spec);
      counter += 1;
      const fault: ActiveFault = { ...spec, id: `fault-${counter}`, remaining: spec.times };
      faults.push(fault);
      return { ...fault };
    },
    clear() {
      faults = [];
    },
    list: () => faults.map((f) => ({ ...f })),
    take(target) {
      const fault = faults.find((f) => f.remaining > 0 && matches(f, target));
      if (!fault) return undefined;
      fault.remaining -= 1;
      if (fault.remaining === 0) faults = faults.filter((f) => f !== fault);
      return { ...fault };
    },
  };
}
