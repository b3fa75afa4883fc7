// A local gRPC server for google.cloud.securitycenter.v2.SecurityCenter, built from the protos inside
// @google-cloud/security-center, so the real v2 client (see sccClientOptionsFor) talks to it over
// the same transport, encodings and error shapes as in production. It implements the methods Riposte
// uses; the other v2 methods answer UNIMPLEMENTED. Faults can be injected per method, and every call
// is recorded with the status it got.

import {
  type ChannelCredentials,
  credentials,
  type handleUnaryCall,
  type Metadata,
  Server,
  ServerCredentials,
  status,
} from "@grpc/grpc-js";
import { loadSccProtos } from "./protos.js";
import { SccStatusError } from "./status-error.js";
import {
  createSccStore,
  type FindingWriteEffect,
  type StandinFinding,
  type StandinSource,
  type WireFinding,
} from "./store.js";

export type SccMethod =
  | "CreateSource"
  | "GetSource"
  | "ListSources"
  | "UpdateSource"
  | "CreateFinding"
  | "UpdateFinding"
  | "ListFindings"
  | "SetFindingState"
  | "SetMute";

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

export interface SccCall {
  method: SccMethod;
  /** The request as decoded by the stand-in (camelCase keys, enums as names). */
  request: Record<string, unknown>;
  /** gRPC request metadata, e.g. x-goog-request-params, x-goog-api-client. */
  metadata: Record<string, string>;
  /** status.OK (0) or the error code answered. */
  code: status;
  details: string;
  /** True when an injected fault produced the code. */
  injected: boolean;
  /** For UpdateFinding/CreateFinding that took effect: created, updated or unchanged. */
  effect?: FindingWriteEffect;
  at: number;
}

export interface SccFaults {
  inject(fault: SccFault): void;
  clear(): void;
  /** Faults not yet used up (with their remaining `times`). */
  readonly pending: readonly Required<Pick<SccFault, "code" | "times">>[];
}

export interface StartSccStandinOptions {
  /** 0 (default) picks a free port; `npm start` uses RIPOSTE_SCC_PORT (default 50551). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Clock in ms, for create_time and the "event_time not in the future" rule. Default Date.now. */
  now?: () => number;
  /** How far event_time may be ahead of `now` (clock skew). Default 1000 ms. */
  futureEventTimeToleranceMs?: number;
}

export interface SccStandin {
  readonly host: string;
  readonly port: number;
  /** `host:port`. */
  readonly address: string;
  /** Snapshot of every finding, decoded to plain values. */
  readonly findings: StandinFinding[];
  readonly sources: StandinSource[];
  readonly calls: readonly SccCall[];
  readonly faults: SccFaults;
  /** The finding with this finding id or full name, if any. */
  finding(idOrName: string): StandinFinding | undefined;
  /** Creates a source directly (as `riposte scc setup` would through the API). */
  seedSource(source: { organization: string; displayName: string; description?: string }): StandinSource;
  /** Forgets sources, findings, calls and faults. */
  reset(): void;
  close(): Promise<void>;
}

/** What the real client needs to talk to the stand-in; spread it into `new v2.SecurityCenterClient(…)`. */
// A type alias rather than an interface: the client's ClientOptions has an index signature, which
// only object-literal types satisfy implicitly.
export type SccClientOptions = {
  apiEndpoint: string;
  port: number;
  sslCreds: ChannelCredentials;
  universeDomain: string;
};

/**
 * Options for `new v2.SecurityCenterClient(sccClientOptionsFor(standin))`: plaintext gRPC to the
 * stand-in, and `universeDomain` set so the client never looks up Google credentials or the metadata
 * server. @grpc/grpc-js here is the copy google-gax uses (npm dedupes it); a different copy would make
 * every call fail with "Channel credentials must be a ChannelCredentials object".
 */
export function sccClientOptionsFor(standin: { host: string; port: number }): SccClientOptions {
  return {
    apiEndpoint: standin.host,
    port: standin.port,
    sslCreds: credentials.createInsecure(),
    universeDomain: "googleapis.com",
  };
}

function metadataToRecord(metadata: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    out[key] = typeof value === "string" ? value : value.toString("base64");
  }
  return out;
}

function maskPathsOf(request: Record<string, unknown>): string[] {
  const mask = request.updateMask as { paths?: string[] } | undefined;
  return (mask?.paths ?? []).filter((p) => p !== "");
}

type Outcome = { response: unknown; effect?: FindingWriteEffect };

export async function startSccStandin(options: StartSccStandinOptions = {}): Promise<SccStandin> {
  const host = options.host ?? "127.0.0.1";
  const protos = loadSccProtos();
  const store = createSccStore({
    protos,
    now: options.now ?? Date.now,
    futureEventTimeToleranceMs: options.futureEventTimeToleranceMs ?? 1000,
  });
  let calls: SccCall[] = [];
  let faults: Array<SccFault & { times: number }> = [];

  function takeFault(method: SccMethod): SccFault | undefined {
    const index = faults.findIndex((f) => f.method === undefined || f.method === method);
    const fault = faults[index];
    if (!fault) return undefined;
    fault.times -= 1;
    if (fault.times <= 0) faults.splice(index, 1);
    return fault;
  }

  function unary(
    method: SccMethod,
    run: (request: Record<string, unknown>) => Outcome,
  ): handleUnaryCall<Record<string, unknown>, unknown> {
    return (call, callback) => {
      const request = call.request;
      const record = (code: status, details: string, injected: boolean, effect?: FindingWriteEffect) => {
        calls.push({
          method,
          request: structuredClone(request),
          metadata: metadataToRecord(call.metadata),
          code,
          details,
          injected,
          ...(effect && { effect }),
          at: Date.now(),
        });
      };
      const fault = takeFault(method);
      const faultDetails = fault?.details ?? `${status[fault?.code ?? 0]} injected by the SCC stand-in`;
      if (fault && fault.when !== "after") {
        record(fault.code, faultDetails, true);
        callback({ code: fault.code, details: faultDetails });
        return;
      }
      let outcome: Outcome;
      try {
        outcome = run(request);
      } catch (error) {
        const code = error instanceof SccStatusError ? error.code : status.INTERNAL;
        const details = error instanceof SccStatusError ? error.details : `stand-in bug: ${String(error)}`;
        record(code, details, false);
        callback({ code, details });
        return;
      }
      if (fault) {
        record(fault.code, faultDetails, true, outcome.effect);
        callback({ code: fault.code, details: faultDetails });
        return;
      }
      record(status.OK, "", false, outcome.effect);
      callback(null, outcome.response);
    };
  }

  const str = (value: unknown) => (typeof value === "string" ? value : "");

  const server = new Server();
  server.addService(protos.service, {
    CreateSource: unary("CreateSource", (r) => ({
      response: store.createSource(str(r.parent), r.source as { displayName?: string; description?: string }),
    })),
    GetSource: unary("GetSource", (r) => ({ response: store.getSource(str(r.name)) })),
    ListSources: unary("ListSources", (r) => ({
      response: store.listSources(str(r.parent), r.pageSize, str(r.pageToken)),
    })),
    UpdateSource: unary("UpdateSource", (r) => ({
      response: store.updateSource(r.source as { name?: string }, maskPathsOf(r)),
    })),
    CreateFinding: unary("CreateFinding", (r) => ({
      response: store.createFinding(str(r.parent), str(r.findingId), r.finding as WireFinding | undefined),
      effect: "created",
    })),
    UpdateFinding: unary("UpdateFinding", (r) => {
      const { finding, effect } = store.updateFinding(r.finding as WireFinding | undefined, maskPathsOf(r));
      return { response: finding, effect };
    }),
    ListFindings: unary("ListFindings", (r) => ({ response: store.listFindings(r) })),
    SetFindingState: unary("SetFindingState", (r) => ({
      response: store.setFindingState(str(r.name), r.state),
    })),
    SetMute: unary("SetMute", (r) => ({ response: store.setMute(str(r.name), r.mute) })),
  });

  const port = await new Promise<number>((resolve, reject) => {
    const target = `${host.includes(":") ? `[${host}]` : host}:${options.port ?? 0}`;
    server.bindAsync(target, ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });

  return {
    host,
    port,
    address: `${host}:${port}`,
    get findings() {
      return store.findings();
    },
    get sources() {
      return store.sources();
    },
    get calls() {
      return calls;
    },
    faults: {
      inject(fault) {
        const times = fault.times ?? 1;
        if (!Number.isInteger(times) || times < 1) {
          throw new RangeError(`fault.times must be an integer >= 1, got ${String(fault.times)}`);
        }
        if (fault.code === status.OK) throw new RangeError("fault.code must be an error code, not OK");
        faults.push({ ...fault, times });
      },
      clear() {
        faults = [];
      },
      get pending() {
        return faults.map((f) => ({ ...f }));
      },
    },
    finding(idOrName) {
      return store.findings().find((f) => f.name === idOrName || f.findingId === idOrName);
    },
    seedSource({ organization, displayName, description }) {
      return store.seedSource(organization.replace(/^organizations\//, ""), displayName, description);
    },
    reset() {
      store.reset();
      calls = [];
      faults = [];
    },
    close() {
      server.forceShutdown();
      return Promise.resolve();
    },
  };
}
