// Cluster access: the alert's cluster name picks an entry of CLUSTERS, which says how to reach it —
// a GKE cluster (endpoint and CA from the GKE API, bearer token from Application Default Credentials,
// refreshed before expiry), a kubeconfig context (local), or a server URL (the simulated cluster).
import {
  CoreV1Api,
  createConfiguration,
  KubeConfig,
  type Middleware,
  NetworkingV1Api,
  ServerConfiguration,
} from "@kubernetes/client-node";
import { GoogleAuth } from "google-auth-library";
import { z } from "zod";

export type ClusterEntry =
  | { kind: "gke"; resource: string; project: string; location: string; cluster: string }
  | { kind: "context"; context: string }
  | { kind: "server"; server: string; token?: string; caData?: string; insecureSkipTlsVerify?: boolean };

const GKE_RESOURCE =
  /^projects\/([a-z][-a-z0-9]{4,28}[a-z0-9])\/locations\/([a-z0-9-]+)\/clusters\/([a-z]([-a-z0-9]*[a-z0-9])?)$/;

const stringEntry = z.string().transform((value, ctx): ClusterEntry => {
  const gke = value.match(GKE_RESOURCE);
  if (gke) {
    return {
      kind: "gke",
      resource: value,
      project: gke[1] as string,
      location: gke[2] as string,
      cluster: gke[3] as string,
    };
  }
  if (value.startsWith("context:") && value.length > 8) return { kind: "context", context: value.slice(8) };
  if (/^https?:\/\//.test(value) && URL.canParse(value)) return { kind: "server", server: value };
  ctx.addIssue({
    code: "custom",
    message: `expected "projects/P/locations/L/clusters/C", "context:NAME" or an http(s) URL, got ${JSON.stringify(value)}`,
  });
  return z.NEVER;
});

const serverEntry = z
  .strictObject({
    server: z.url(),
    token: z.string().min(1).optional(),
    caData: z.string().optional(),
    insecureSkipTlsVerify: z.boolean().optional(),
  })
  .transform((entry): ClusterEntry => ({ kind: "server", ...entry }));

/** A string (GKE resource, context, URL) or a server object; errors come from the form that was meant. */
const entrySchema = z.unknown().transform((value, ctx): ClusterEntry => {
  const result = typeof value === "string" ? stringEntry.safeParse(value) : serverEntry.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues)
    ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
  return z.NEVER;
});

/** `CLUSTERS` as JSON: `{"prod-eu": "projects/p/locations/europe-west1/clusters/prod-eu", "dev": "context:kind-dev"}`. */
export const clustersSchema = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON object mapping cluster names to clusters" });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .record(z.string().min(1), entrySchema)
      .refine((map) => Object.keys(map).length > 0, "must name at least one cluster"),
  );

export interface ClusterClients {
  /** The cluster's name as alerts spell it (the CLUSTERS key). */
  name: string;
  core: CoreV1Api;
  networking: NetworkingV1Api;
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

/** CoreV1Api and NetworkingV1Api over `kubeConfig`, as `makeApiClient` builds them, plus the signal. */
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
    withSignal: (next) => apiClients(name, kubeConfig, next),
  };
}

/** The GKE API host: Application Default Credentials go to Google and nowhere else. */
export const DEFAULT_GKE_API_ENDPOINT = "https://container.googleapis.com";

/**
 * Why `endpoint` may not receive our Google access token, or undefined when it may: an https URL
 * whose host is googleapis.com or a subdomain of it, with no credentials, port, path, query or fragment.
 */
export function gkeApiEndpointProblem(endpoint: string): string | undefined {
  if (!URL.canParse(endpoint)) return "is not a URL";
  const url = new URL(endpoint);
  if (url.protocol !== "https:") return "must be an https:// URL";
  if (url.username || url.password) return "must not carry a user or password";
  if (url.port) return "must not name a port";
  if (url.hostname !== "googleapis.com" && !url.hostname.endsWith(".googleapis.com"))
    return "must be a host under googleapis.com";
  if (url.pathname !== "/" || url.search || url.hash || endpoint.includes("#") || endpoint.includes("?"))
    return "must be a bare origin (no path, query or fragment)";
  return undefined;
}

export class UnknownClusterError extends Error {
  override readonly name = "UnknownClusterError";
}

export interface ClusterRegistry {
  /**
   * The clients for the alert's cluster; the only entry when the alert names none. `signal` cancels
   * the GKE API lookup; the clients returned are not bound to it (use `withSignal`).
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

interface GkeCluster {
  endpoint: string;
  masterAuth?: { clusterCaCertificate?: string };
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
  const gkeClusters = new Map<string, Promise<GkeCluster>>();

  const build = (name: string, kubeConfig: KubeConfig): ClusterClients => apiClients(name, kubeConfig);

  const fromServer = (
    name: string,
    server: string,
    user: { token?: string },
    ca: { caData?: string; skipTLSVerify?: boolean },
  ) => {
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
    return build(name, kubeConfig);
  };

  const describeGke = (
    entry: Extract<ClusterEntry, { kind: "gke" }>,
    token: string,
    signal: AbortSignal | undefined,
  ): Promise<GkeCluster> => {
    let pending = gkeClusters.get(entry.resource);
    if (!pending) {
      pending = (async () => {
        const response = await fetch(`${gkeApi}/v1/${entry.resource}`, {
          headers: { authorization: `Bearer ${token}` },
          // Bodies of redirects are not followed: the token must not travel to another host.
          redirect: "error",
          ...(signal ? { signal } : {}),
        });
        if (!response.ok)
          throw new Error(
            `GKE API ${response.status} for ${entry.resource}: ${(await response.text()).slice(0, 300)}`,
          );
        return (await response.json()) as GkeCluster;
      })();
      gkeClusters.set(entry.resource, pending);
      // A failed lookup is not cached: the next message tries again.
      pending.catch(() => gkeClusters.delete(entry.resource));
    }
    return pending;
  };

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
        const cluster = await describeGke(entry, token, signal);
        const clients = fromServer(
          name,
          `https://${cluster.endpoint}`,
          { token },
          { caData: cluster.masterAuth?.clusterCaCertificate },
        );
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
        clients = build(name, kubeConfig);
      } else {
        clients = fromServer(
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
