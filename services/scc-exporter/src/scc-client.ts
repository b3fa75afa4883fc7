// The few Security Command Center v2 calls Riposte makes, behind a small interface, implemented over
// the real v2.SecurityCenterClient. Every failure becomes an SccError that says whether retrying can
// help. How the client behaves, as measured against it: no built-in retries for v2, plain Errors
// with a numeric gRPC `code`, local endpoints need sslCreds + universeDomain.
import type { protos } from "@google-cloud/security-center";
// The v2 entry alone: the package root also loads v1/v1beta1/v1p1beta1 and a 10 MB static protos
// module (about twice the start-up time and bundle size), and its top-level client is v1.
import { SecurityCenterClient } from "@google-cloud/security-center/build/src/v2/index.js";
import { credentials, status } from "@grpc/grpc-js";

export type Finding = protos.google.cloud.securitycenter.v2.IFinding;
export type Source = protos.google.cloud.securitycenter.v2.ISource;
export type FindingState = "ACTIVE" | "INACTIVE";

export interface ListedFinding {
  finding: Finding;
  /** The resource as SCC describes it (name, display name, service), when it returns one. */
  resourceName: string;
}

/** What Riposte asks of Security Command Center. */
export interface SccApi {
  /** UpdateFinding: creates the finding, or updates the fields in `updateMask` (snake_case paths). */
  upsertFinding(finding: Finding & { name: string }, updateMask: readonly string[]): Promise<Finding>;
  setFindingState(name: string, state: FindingState): Promise<Finding>;
  /** The finding with this full name, read with ListFindings (v2 has no GetFinding). */
  findFinding(parent: string, name: string): Promise<Finding | undefined>;
  listFindings(parent: string, options?: { filter?: string; orderBy?: string }): AsyncIterable<ListedFinding>;
  getSource(name: string): Promise<Source>;
  listSources(parent: string): Promise<Source[]>;
  createSource(parent: string, source: { displayName: string; description?: string }): Promise<Source>;
  close(): Promise<void>;
}

// Codes worth another try: the service is down or overloaded, or the call ran out of time. ABORTED and
// UNKNOWN are what a dropped connection or a lost response look like; the writes here are idempotent.
const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.RESOURCE_EXHAUSTED,
  status.INTERNAL,
  status.ABORTED,
  status.UNKNOWN,
]);

/** A failed SCC call. `transient`: retrying the same request may succeed. */
export class SccError extends Error {
  override readonly name = "SccError";
  /** The gRPC status code, when the error has one (e.g. 14 UNAVAILABLE, 3 INVALID_ARGUMENT). */
  readonly code: number | undefined;
  /** The code's name, e.g. "UNAVAILABLE", or "NO_CODE". */
  readonly codeName: string;
  readonly method: string;
  readonly transient: boolean;

  constructor(method: string, cause: unknown) {
    const code = grpcCodeOf(cause);
    const codeName = code === undefined ? "NO_CODE" : (status[code] ?? `CODE_${code}`);
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`SCC ${method} failed: ${detail}`, { cause });
    this.code = code;
    this.codeName = codeName;
    this.method = method;
    // No code at all (credentials not loadable, client closed, a bug) is not a verdict from SCC: retry,
    // and let the dead-letter topic keep the message if it never passes.
    this.transient = code === undefined || TRANSIENT_CODES.has(code);
  }
}

function grpcCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" && Number.isInteger(code) && code >= 0 && code <= 16 ? code : undefined;
}

export interface SccClientOptions {
  /** `host:port` of a plaintext gRPC endpoint (the local stand-in); unset = the real API with ADC. */
  endpoint?: string | undefined;
  /** Per-call deadline; v2 calls are never retried by the client, Pub/Sub redelivers instead. */
  timeoutMs?: number;
}

export const DEFAULT_SCC_CLIENT_OPTIONS = {
  // Well inside the 25 s push handler deadline: a hung call becomes a 503 and a redelivery, not a duplicate push.
  timeoutMs: 10_000,
} as const;

/** The v2 client's constructor options for `endpoint` (plaintext, no Google credentials) or the real API. */
export function securityCenterClientOptions(endpoint: string | undefined) {
  if (endpoint === undefined) return {};
  const match = /^(.+):([0-9]{1,5})$/.exec(endpoint);
  if (!match) throw new Error(`SCC endpoint ${JSON.stringify(endpoint)} is not host:port`);
  return {
    apiEndpoint: (match[1] ?? "").replace(/^\[(.*)\]$/, "$1"),
    port: Number(match[2]),
    // Insecure channel credentials given explicitly make the client skip Google auth for the channel;
    // universeDomain set stops it asking the metadata server. Both are needed (measured).
    sslCreds: credentials.createInsecure(),
    universeDomain: "googleapis.com",
  };
}

/** An SccApi over a real v2.SecurityCenterClient (built from `options`, or the one given). */
export function createSccApi(options: SccClientOptions & { client?: SecurityCenterClient } = {}): SccApi {
  const clientOptions = securityCenterClientOptions(options.endpoint);
  let current: SecurityCenterClient | undefined = options.client;
  // Clients whose stub could not be created: close() on them rejects with that same error.
  const stubless = new WeakSet<SecurityCenterClient>();
  const callOptions = { timeout: options.timeoutMs ?? DEFAULT_SCC_CLIENT_OPTIONS.timeoutMs };
  // Page by page, on demand; an implicit autoPaginate makes gax print an AutopaginateTrueWarning.
  const pagedCallOptions = { ...callOptions, autoPaginate: false };

  /**
   * The client, its stub created. A client whose stub failed (e.g. credentials not loadable yet) stays
   * broken, and every method call on it leaves an unhandled rejection that ends the process (measured):
   * such a client is never called, but dropped, and the next call builds a fresh one.
   */
  const ready = async (): Promise<SecurityCenterClient> => {
    current ??= new SecurityCenterClient(clientOptions);
    const client = current;
    try {
      await client.initialize();
    } catch (error) {
      stubless.add(client);
      if (current === client && options.client === undefined) current = undefined;
      throw error;
    }
    return client;
  };

  const call = async <T>(method: string, run: (client: SecurityCenterClient) => Promise<T>): Promise<T> => {
    try {
      return await run(await ready());
    } catch (error) {
      throw new SccError(method, error);
    }
  };

  return {
    upsertFinding: (finding, updateMask) =>
      call("UpdateFinding", async (client) => {
        const [updated] = await client.updateFinding(
          { finding, updateMask: { paths: [...updateMask] } },
          callOptions,
        );
        return updated;
      }),

    setFindingState: (name, state) =>
      call("SetFindingState", async (client) => {
        const [updated] = await client.setFindingState({ name, state }, callOptions);
        return updated;
      }),

    findFinding: (parent, name) =>
      call("ListFindings", async (client) => {
        // SCC answers names with their location (`…/locations/global/findings/ID`) even when written
        // without one, and the filter compares names as stored: ask for both spellings.
        const spellings = name.includes("/locations/")
          ? [name]
          : [name, name.replace(/\/findings\/([^/]+)$/, "/locations/global/findings/$1")];
        const [results] = await client.listFindings(
          { parent, filter: spellings.map((spelling) => `name="${spelling}"`).join(" OR "), pageSize: 1 },
          pagedCallOptions,
        );
        return results[0]?.finding ?? undefined;
      }),

    listFindings(parent, listOptions = {}) {
      const request = {
        parent,
        ...(listOptions.filter ? { filter: listOptions.filter } : {}),
        ...(listOptions.orderBy ? { orderBy: listOptions.orderBy } : {}),
        pageSize: 100,
      };
      return (async function* () {
        const client = await call("ListFindings", async (ready) => ready);
        const iterator = client.listFindingsAsync(request, pagedCallOptions)[Symbol.asyncIterator]();
        while (true) {
          const next = await call("ListFindings", () => iterator.next());
          if (next.done) return;
          const { finding, resource } = next.value;
          if (finding) yield { finding, resourceName: resource?.name ?? finding.resourceName ?? "" };
        }
      })();
    },

    getSource: (name) =>
      call("GetSource", async (client) => {
        const [source] = await client.getSource({ name }, callOptions);
        return source;
      }),

    listSources: (parent) =>
      call("ListSources", async (client) => {
        const sources: Source[] = [];
        for await (const source of client.listSourcesAsync({ parent, pageSize: 100 }, pagedCallOptions)) {
          sources.push(source);
        }
        return sources;
      }),

    createSource: (parent, source) =>
      call("CreateSource", async (client) => {
        const [created] = await client.createSource({ parent, source }, callOptions);
        return created;
      }),

    close: async () => {
      const client = current;
      current = undefined;
      if (client && !stubless.has(client)) await client.close();
    },
  };
}
