// A local gRPC server for google.cloud.securitycenter.v2.SecurityCenter, built from the protos inside
// @google-cloud/security-center, so the real v2 client (see sccClientOptionsFor) talks to it over
// the same transport, encodings and error shapes as in production. It implements the methods Riposte
// uses; the other v2 methods answer UNIMPLEMENTED. Faults can be injected per method, and every call
// is recorded with the status it got.

import { type ChannelCredentials, credentials, Server, ServerCredentials } from "@grpc/grpc-js";
import type { SccCall } from "./calls.js";
import { createFaultQueue, type SccFaults } from "./faults.js";
import { loadSccProtos } from "./protos.js";
import { sccServiceImplementation } from "./service.js";
import { createSccStore, type StandinFinding, type StandinSource } from "./store.js";

export type { SccCall, SccMethod } from "./calls.js";
export type { SccFault, SccFaults } from "./faults.js";

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

function bind(server: Server, host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const target = `${host.includes(":") ? `[${host}]` : host}:${port}`;
    server.bindAsync(target, ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });
}

export async function startSccStandin(options: StartSccStandinOptions = {}): Promise<SccStandin> {
  const host = options.host ?? "127.0.0.1";
  const protos = loadSccProtos();
  const store = createSccStore({
    protos,
    now: options.now ?? Date.now,
    futureEventTimeToleranceMs: options.futureEventTimeToleranceMs ?? 1000,
  });
  let calls: SccCall[] = [];
  const faults = createFaultQueue();
  const server = new Server();
  server.addService(
    protos.service,
    sccServiceImplementation(store, { faults, record: (call) => calls.push(call) }),
  );
  const port = await bind(server, host, options.port ?? 0);

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
      inject: faults.inject,
      clear: faults.clear,
      get pending() {
        return faults.pending;
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
      faults.clear();
    },
    close() {
      server.forceShutdown();
      return Promise.resolve();
    },
  };
}
