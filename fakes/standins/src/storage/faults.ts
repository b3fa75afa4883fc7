// Injected faults for the Cloud Storage stand-in: a queue of answers (an HTTP error or a dropped
// connection), each for one operation, a group of them or any, used up request by request.

export type StorageOperation =
  | "bucket.get"
  | "bucket.insert"
  | "object.get"
  | "object.download"
  | "object.list"
  | "object.delete"
  | "upload.media"
  | "upload.multipart"
  | "upload.resumable-start"
  | "upload.resumable-chunk"
  | "upload.resumable-cancel";

/** A group matches every operation it prefixes: "upload" is every upload request of any protocol. */
export type StorageOperationGroup = "bucket" | "object" | "upload";

export interface StorageFault {
  /** Which requests fail; without it, the next request of any operation. */
  on?: StorageOperation | StorageOperationGroup;
  /** The HTTP status answered, e.g. 503, 429, 500. Required unless dropConnection. */
  status?: number;
  /** Close the socket without answering instead (the client sees ECONNRESET / socket hang up). */
  dropConnection?: boolean;
  /** How many consecutive matching requests fail. Default 1. */
  times?: number;
  /**
   * "before" (default): the request has no effect. "after": it takes effect (bytes persisted, object
   * written or deleted) and then the fault is answered, like a response lost on the way back.
   */
  when?: "before" | "after";
  /**
   * For "upload.resumable-chunk" with when "after": persist only the first keepBytes bytes of the
   * request body (a connection cut mid-chunk), so the client must resend the rest from the offset
   * the session reports.
   */
  keepBytes?: number;
  /** The error message in the JSON body; defaults to a sentence naming the stand-in. */
  message?: string;
}

export interface StorageFaults {
  inject(fault: StorageFault): void;
  clear(): void;
  /** Faults not yet used up, with their remaining `times`. */
  readonly pending: readonly (StorageFault & { times: number })[];
}

export interface StorageFaultQueue extends StorageFaults {
  /** The first fault that applies to `operation`, counting one use of it. */
  take(operation: StorageOperation): StorageFault | undefined;
}

function applies(fault: StorageFault, operation: StorageOperation): boolean {
  return fault.on === undefined || fault.on === operation || operation.startsWith(`${fault.on}.`);
}

export function createStorageFaultQueue(): StorageFaultQueue {
  let queue: (StorageFault & { times: number })[] = [];
  return {
    inject(fault) {
      const times = fault.times ?? 1;
      if (!Number.isInteger(times) || times < 1) {
        throw new RangeError(`fault.times must be an integer >= 1, got ${String(fault.times)}`);
      }
      if (!fault.dropConnection) {
        const status = fault.status;
        if (status === undefined || !Number.isInteger(status) || status < 400 || status > 599) {
          throw new RangeError(`fault.status must be an HTTP error status 400..599, got ${String(status)}`);
        }
      }
      if (fault.keepBytes !== undefined && (!Number.isInteger(fault.keepBytes) || fault.keepBytes < 0)) {
        throw new RangeError(`fault.keepBytes must be an integer >= 0, got ${String(fault.keepBytes)}`);
      }
      queue.push({ ...fault, times });
    },
    clear() {
      queue = [];
    },
    get pending() {
      return queue.map((f) => ({ ...f }));
    },
    take(operation) {
      const index = queue.findIndex((f) => applies(f, operation));
      const fault = queue[index];
      if (!fault) return undefined;
      fault.times -= 1;
      if (fault.times <= 0) queue.splice(index, 1);
      return fault;
    },
  };
}
