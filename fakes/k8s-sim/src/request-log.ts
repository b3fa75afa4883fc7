// A bounded log of the requests the sim answered, for tests and `riposte dev` to inspect what a
// client actually sent (verb, resource, user, status) without unbounded memory in long runs.

export interface RequestRecord {
  /** Increases by one per request over the sim's lifetime (not reset by clear()). */
  seq: number;
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Kubernetes verb for API requests (get, list, create, patch, …). */
  verb?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  user?: string;
  userAgent?: string;
  contentType?: string;
  /** HTTP status sent; 0 when the connection was dropped by a fault. */
  status: number;
  durationMs: number;
  /** The request body, cut to a few hundred characters. */
  bodySummary?: string;
  /** The id of the fault that shaped this answer, if any. */
  faultId?: string;
}

/** A request received and not yet answered: what is known of it so far (verb and name once routed). */
export type PendingRequest = Omit<RequestRecord, "seq" | "status" | "durationMs">;

export interface RequestLog {
  /** Marks `entry` as under way until `record` is called with it as `began`. */
  begin(entry: PendingRequest): void;
  record(entry: Omit<RequestRecord, "seq">, began?: PendingRequest): void;
  /** Requests under way now, oldest first: what a test stops a process in the middle of. */
  pending(): PendingRequest[];
  /** Oldest first. */
  entries(): RequestRecord[];
  clear(): void;
}

export function summarizeBody(body: string, max = 500): string | undefined {
  if (body.length === 0) return undefined;
  return body.length > max ? `${body.slice(0, max)}…` : body;
}

export function createRequestLog(capacity = 10_000): RequestLog {
  const ring: (RequestRecord | undefined)[] = new Array(capacity);
  let next = 0;
  let size = 0;
  let seq = 0;
  const underWay = new Set<PendingRequest>();
  return {
    begin(entry) {
      underWay.add(entry);
    },
    pending: () => [...underWay],
    record(entry, began) {
      if (began) underWay.delete(began);
      seq += 1;
      ring[next] = { seq, ...entry };
      next = (next + 1) % capacity;
      size = Math.min(size + 1, capacity);
    },
    entries() {
      const out: RequestRecord[] = [];
      const start = (next - size + capacity) % capacity;
      for (let i = 0; i < size; i++) {
        const entry = ring[(start + i) % capacity];
        if (entry) out.push(entry);
      }
      return out;
    },
    clear() {
      ring.fill(undefined);
      next = 0;
      size = 0;
    },
  };
}
