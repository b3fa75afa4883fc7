// Injected faults: a queue of errors, each for one method or any, used up call by call.

import { status } from "@grpc/grpc-js";
import type { SccMethod } from "./calls.js";

export interface SccFault {
  /** Only this method; without it, the next call of any method. */
  method?: SccMethod;
  /** e.g. status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.PERMISSION_DENIED. */
  code: status;
  /** The error details the client sees; defaults to a sentence naming the stand-in. */
  details?: string;
  /** How many consecutive matching calls fail. Default 1. */
  times?: number;
  /**
   * "before" (default): the call fails without any effect. "after": the call takes effect and then
   * the error is answered, like a response lost on the way back (tests idempotent retries).
   */
  when?: "before" | "after";
}

export interface SccFaults {
  inject(fault: SccFault): void;
  clear(): void;
  /** Faults not yet used up (with their remaining `times`). */
  readonly pending: readonly Required<Pick<SccFault, "code" | "times">>[];
}

type QueuedFault = SccFault & { times: number };

export interface FaultQueue extends SccFaults {
  /** The first fault that applies to `method`, counting one use of it. */
  take(method: SccMethod): SccFault | undefined;
}

export function createFaultQueue(): FaultQueue {
  let queue: QueuedFault[] = [];
  return {
    inject(fault) {
      const times = fault.times ?? 1;
      if (!Number.isInteger(times) || times < 1) {
        throw new RangeError(`fault.times must be an integer >= 1, got ${String(fault.times)}`);
      }
      if (fault.code === status.OK) throw new RangeError("fault.code must be an error code, not OK");
      queue.push({ ...fault, times });
    },
    clear() {
      queue = [];
    },
    get pending() {
      return queue.map((f) => ({ ...f }));
    },
    take(method) {
      const index = queue.findIndex((f) => f.method === undefined || f.method === method);
      const fault = queue[index];
      if (!fault) return undefined;
      fault.times -= 1;
      if (fault.times <= 0) queue.splice(index, 1);
      return fault;
    },
  };
}

/** The details an injected fault answers with. */
export function faultDetails(fault: SccFault): string {
  return fault.details ?? `${status[fault.code]} injected by the SCC stand-in`;
}
