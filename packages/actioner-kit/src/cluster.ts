// Cluster access: the alert's cluster name picks an entry of CLUSTERS, which says how to reach it —
// a GKE cluster (endpoint and CA from the GKE API, bearer token from Application Default Credentials,
// refreshed before expiry), a kubeconfig context (local), or a server URL (the simulated cluster).

import { X509Certificate } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  createConfiguration,
  KubeConfig,
  type Middleware,
  NetworkingV1Api,
  ServerConfiguration,
} from "@kubernetes/client-node";
import type { ClusterEntry } from "@riposte/service-kit/gcp";
import { GoogleAuth } from "google-auth-library";

// The map itself is parsed where the scc-exporter's is: one parser, one form (@riposte/service-kit/gcp).
export { type ClusterEntry, clustersSchema } from "@riposte/service-kit/gcp";

export interface ClusterClients {
  /** The cluster's name as alerts spell it (the CLUSTERS key). */
  name: string;
  core: CoreV1Api;
  networking: NetworkingV1Api;
  /** Owners of pods (ReplicaSets, Deployments, StatefulSets, DaemonSets). */
  apps: AppsV1Api;
  /** Jobs (owners of pods, and capture-node's own). */
  batch: BatchV1Api;
  /**
   * The same clients with every request tied to `signal`: when a delivery's deadline passes, its
   * calls are cancelled instead of landing after the push was answered 503.
   */
  withSignal(signal: AbortSignal): ClusterClients;
}

/** Sets the signal on every request a generated API client sends (client-node has no per-client option). */
function abortWith(signal: AbortSignal): Middleware {
  return {
    pre: async (request) => {
      request.setSignal(signal);
      return request;
    },
    post: async (response) => response,
  };
}

/** The API clients over `kubeConfig`, as `makeApiClient` builds them, plus the signal. */
function apiClients(name: string, kubeConfig: KubeConfig, signal?: AbortSignal): ClusterClients {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error(`cluster ${name}: the kubeconfig has no current cluster`);
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    ...(signal ? { promiseMiddleware: [abortWith(signal)] } : {}),
  });
  return {
    name,
    core: new CoreV1Api(configuration),
    networking: new NetworkingV1Api(configuration),
    apps: new AppsV1Api(configuration),
    batch: new BatchV1Api(configuration),
    withSignal: (next) => apiClients(name, kubeConfig, next),
  };
}

/** The GKE API host: Application Default Credentials go to Google and nowhere else. */
export const DEFAULT_GKE_API_ENDPOINT = "https://container.googleapis.com";
const GKE_API_HOST = "container.googleapis.com";

/**
 * Why `endpoint` may not receive our Google access token, or undefined when it may: exactly
 * https://container.googleapis.com. Not any googleapis.com host: some serve what their owner wants
 * (a public Cloud Storage object as the "cluster" answer would send the token to the attacker's
 * endpoint). Regional GKE API endpoints are not accepted: none is documented.
 */
export function gkeApiEndpointProblem(endpoint: string): string | undefined {
  if (!URL.canParse(endpoint)) return "is not a URL";
  const url = new URL(endpoint);
  if (url.protocol !== "https:") return "must be an https:// URL";
  if (url.username || url.password) return "must not carry a user or password";
  if (url.port) return "must not name a port";
  if (url.hostname !== GKE_API_HOST) return `must be https://${GKE_API_HOST}, the GKE API`;
  if (url.pathname !== "/" || url.search || url.hash || endpoint.includes("#") || endpoint.includes("?"))
    return "must be a bare origin (no path, query or fragment)";
  return undefined;
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
const PORT = /^[0-9]{1,5}$/;

/**
 * The server URL of a cluster whose GKE API answer gave `endpoint`: an IPv4 or IPv6 address or a DNS
 * name, optionally with a port — nothing that could move the request (and the token) elsewhere: no
 * scheme, user, path, query or space. Undefined when `endpoint` is anything else.
 */
export function gkeClusterServer(endpoint: unknown): string | undefined {
  if (typeof endpoint !== "string") return undefined;
  if (isIPv6(endpoint)) return `https://[${endpoint}]`;
  const bracketed = endpoint.match(/^\[([^\]]+)\](?::([^:]+))?$/);
  const [host, port] = bracketed
    ? [bracketed[1] ?? "", bracketed[2]]
    : (endpoint.split(/:(?=[^:]*$)/) as [string, string | undefined]);
  const hostOk = bracketed ? isIPv6(host) : isIPv4(host) || DNS_NAME.test(host);
  const portOk = port === undefined || (PORT.test(port) && Number(port) > 0 && Number(port) <= 65535);
  if (!hostOk || !portOk) return undefined;
  const shown = bracketed ? `[${host}]` : host;
  return `https://${shown}${port === undefined ? "" : `:${port}`}`;
}

/** A base64 PEM certificate, or undefined when the answer's CA is not one. */
function clusterCa(caData: unknown): string | undefined {
  if (typeof caData !== "string") return undefined;
  try {
    new X509Certificate(Buffer.from(caData, "base64"));
    return caData;
  } catch {
    return undefined;
  }
}

export class UnknownClusterError extends Error {
  override readonly name = "UnknownClusterError";
}

export interface ClusterRegistry {
  /**
   * The clients for the alert's cluster; the only entry when the alert names none. `signal` ends this
   * caller's wait for the GKE API lookup (shared by concurrent callers, so one caller's deadline never
   * fails another's); the clients returned are not bound to it (use `withSignal`).
   */
  clientsFor(clusterName: string | undefined, signal?: AbortSignal): Promise<ClusterClients>;
  /** Forgets the clients of a cluster (after a 401): the next call builds them with fresh credentials. */
  invalidate(clusterName: string): void;
  names(): string[];
}

export interface RegistryOptions {
  /** Where the GKE API lives (default https://container.googleapis.com); checked by gkeApiEndpointProblem. */
  gkeApiEndpoint?: string;
  /** Tests only: send the token to any gkeApiEndpoint (a local fake of the GKE API). */
  testOnlyAnyGkeApiEndpoint?: boolean;
  auth?: Pick<GoogleAuth, "getAccessToken">;
}

export class GkeApiEndpointError extends Error {
  override readonly name = "GkeApiEndpointError";
}

/** The GKE API's answer, checked: where the cluster's API server is and the CA it presents. */
interface GkeCluster {
  server: string;
  caData?: string;
}

/** A GKE API lookup shared by the callers waiting for it; cancelled once none is left waiting. */
interface GkeLookup {
  cluster: Promise<GkeCluster>;
  waiting: number;
  settled: boolean;
  /** Cancels the request and forgets the lookup, so the next caller starts a fresh one. */
  abandon(reason: unknown): void;
}

/** A lookup nobody waits for still ends: the next caller then starts a fresh one. */
const GKE_LOOKUP_TIMEOUT_MS = 30_000;

export class GkeClusterAnswerError extends Error {
  override readonly name = "GkeClusterAnswerError";
}

export function createClusterRegistry(
  entries: Record<string, ClusterEntry>,
  options: RegistryOptions = {},
): ClusterRegistry {
  const names = Object.keys(entries);
  const auth = options.auth ?? new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
  const gkeApi = (options.gkeApiEndpoint ?? DEFAULT_GKE_API_ENDPOINT).replace(/\/$/, "");
  const endpointProblem = options.testOnlyAnyGkeApiEndpoint ? undefined : gkeApiEndpointProblem(gkeApi);
  if (endpointProblem)
    throw new GkeApiEndpointError(
      `GKE API endpoint ${JSON.stringify(gkeApi)} ${endpointProblem}: it would receive Google credentials`,
    );
  const cache = new Map<string, { clients: ClusterClients; token?: string }>();
  const gkeLookups = new GkeLookups(gkeApi);

  return {
    names: () => names,
    invalidate: (name) => {
      cache.delete(name);
    },
    async clientsFor(requested, signal) {
      const name = requested ?? (names.length === 1 ? names[0] : undefined);
      if (name === undefined) {
        throw new UnknownClusterError(
          `the alert names no cluster and ${names.length} are configured (${names.join(", ")})`,
        );
      }
      // hasOwn: a cluster named "constructor" must not find Object.prototype's.
      const entry = Object.hasOwn(entries, name) ? entries[name] : undefined;
      if (!entry)
        throw new UnknownClusterError(
          `cluster ${JSON.stringify(name)} is not in CLUSTERS (${names.join(", ")})`,
        );

      if (entry.kind === "gke") {
        // google-auth-library caches the token and refreshes it ahead of expiry; new token → new clients.
        const token = (await auth.getAccessToken()) ?? undefined;
        const cached = cache.get(name);
        if (cached && cached.token === token) return cached.clients;
        if (!token) throw new Error("Application Default Credentials gave no access token");
        const cluster = await gkeLookups.describe(entry.resource, token, signal);
        const clients = clientsFromServer(name, cluster.server, { token }, { caData: cluster.caData });
        cache.set(name, { clients, token });
        return clients;
      }
      const cached = cache.get(name);
      if (cached) return cached.clients;
      let clients: ClusterClients;
      if (entry.kind === "context") {
        const kubeConfig = new KubeConfig();
        kubeConfig.loadFromDefault();
        kubeConfig.setCurrentContext(entry.context);
        clients = apiClients(name, kubeConfig);
      } else {
        clients = clientsFromServer(
          name,
          entry.server,
          { token: entry.token },
          { caData: entry.caData, skipTLSVerify: entry.insecureSkipTlsVerify },
        );
      }
      cache.set(name, { clients });
      return clients;
    },
  };
}

function clientsFromServer(
  name: string,
  server: string,
  user: { token?: string },
  ca: { caData?: string; skipTLSVerify?: boolean },
): ClusterClients {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    // client-node refuses plain http unless TLS verification is "skipped" (there is no TLS to verify).
    clusters: [
      {
        name,
        server,
        ...(ca.caData ? { caData: ca.caData } : {}),
        skipTLSVerify: ca.skipTLSVerify ?? server.startsWith("http://"),
      },
    ],
    users: [{ name: "riposte", ...(user.token ? { token: user.token } : {}) }],
    contexts: [{ name, cluster: name, user: "riposte" }],
    currentContext: name,
  });
  return apiClients(name, kubeConfig);
}

/** The GKE clusters' endpoints and CAs: one lookup per cluster at a time, each caller waiting with its own signal. */
class GkeLookups {
  readonly #gkeApi: string;
  readonly #lookups = new Map<string, GkeLookup>();

  constructor(gkeApi: string) {
    this.#gkeApi = gkeApi;
  }

  describe(resource: string, token: string, signal: AbortSignal | undefined): Promise<GkeCluster> {
    const lookups = this.#lookups;
    let lookup = lookups.get(resource);
    if (!lookup) {
      const cancel = new AbortController();
      const started: GkeLookup = {
        cluster: lookUpGke(
          this.#gkeApi,
          resource,
          token,
          AbortSignal.any([cancel.signal, AbortSignal.timeout(GKE_LOOKUP_TIMEOUT_MS)]),
        ),
        waiting: 0,
        settled: false,
        abandon: (reason) => {
          if (lookups.get(resource) === started) lookups.delete(resource);
          cancel.abort(reason);
        },
      };
      const settle = () => {
        started.settled = true;
      };
      // A failed lookup is not kept: the next message tries again.
      started.cluster.then(settle, () => {
        settle();
        if (lookups.get(resource) === started) lookups.delete(resource);
      });
      lookups.set(resource, started);
      lookup = started;
    }
    return waitFor(lookup, signal);
  }
}

async function waitFor(lookup: GkeLookup, signal: AbortSignal | undefined): Promise<GkeCluster> {
  if (!signal) return lookup.cluster;
  signal.throwIfAborted();
  lookup.waiting += 1;
  let stop = () => {};
  const gaveUp = new Promise<never>((_, reject) => {
    stop = () => reject(signal.reason);
    signal.addEventListener("abort", stop, { once: true });
  });
  try {
    return await Promise.race([lookup.cluster, gaveUp]);
  } finally {
    signal.removeEventListener("abort", stop);
    lookup.waiting -= 1;
    // Nobody waits any more: the request is cancelled rather than left hanging.
    if (lookup.waiting === 0 && !lookup.settled) lookup.abandon(signal.reason);
  }
}

async function lookUpGke(
  gkeApi: string,
  resource: string,
  token: string,
  signal: AbortSignal,
): Promise<GkeCluster> {
  const response = await fetch(`${gkeApi}/v1/${resource}`, {
    headers: { authorization: `Bearer ${token}` },
    // Bodies of redirects are not followed: the token must not travel to another host.
    redirect: "error",
    signal,
  });
  if (!response.ok)
    throw new Error(`GKE API ${response.status} for ${resource}: ${(await response.text()).slice(0, 300)}`);
  const answer = (await response.json()) as {
    endpoint?: unknown;
    masterAuth?: { clusterCaCertificate?: unknown };
  };
  const server = gkeClusterServer(answer.endpoint);
  const caData = answer.masterAuth?.clusterCaCertificate;
  const ca = caData === undefined ? undefined : clusterCa(caData);
  if (!server || (caData !== undefined && !ca))
    throw new GkeClusterAnswerError(
      `GKE API answered an unusable cluster for ${resource}: ${server ? "clusterCaCertificate is not a base64 PEM certificate" : `endpoint ${JSON.stringify(answer.endpoint)} is not a host or IP with an optional port`}`,
    );
  return { server, ...(ca ? { caData: ca } : {}) };
}
