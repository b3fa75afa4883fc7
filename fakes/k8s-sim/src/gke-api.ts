// A fake GKE API (container.googleapis.com, v1 `projects.locations.clusters.get`) for tests: each cluster
// answers what the test configures — where its API server is, its CA, and whether it enforces
// NetworkPolicies (Dataplane V2, the Calico add-on, or neither) — or an error, or late, or never.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** How a cluster enforces NetworkPolicies, as the GKE API's Cluster resource says it. */
export type GkeNetworkPolicyMode = "dataplane-v2" | "calico" | "none";

/** The fields of a v1 Cluster that say whether NetworkPolicies are enforced. */
export function gkeNetworkFields(mode: GkeNetworkPolicyMode): Record<string, unknown> {
  if (mode === "dataplane-v2")
    return { networkConfig: { datapathProvider: "ADVANCED_DATAPATH" }, addonsConfig: {} };
  if (mode === "calico")
    return {
      networkConfig: { datapathProvider: "LEGACY_DATAPATH" },
      networkPolicy: { provider: "CALICO", enabled: true },
      // proto3 JSON leaves out a false `disabled`: the add-on is on.
      addonsConfig: { networkPolicyConfig: {} },
    };
  return {
    networkConfig: { datapathProvider: "LEGACY_DATAPATH" },
    addonsConfig: { networkPolicyConfig: { disabled: true } },
  };
}

/** What one cluster answers. */
export interface FakeGkeCluster {
  /** The Cluster resource's JSON (merged over `endpoint` and the network fields when given). */
  answer?: Record<string, unknown>;
  /** `host[:port]` of the cluster's API server. */
  endpoint?: string;
  /** Base64 PEM of the cluster's CA (masterAuth.clusterCaCertificate). */
  caData?: string;
  networkPolicies?: GkeNetworkPolicyMode;
  /** Answer this HTTP status with an error body instead. */
  status?: number;
  /** Answer this late; `"never"` leaves the request hanging (only the caller's signal ends it). */
  delayMs?: number | "never";
}

export interface FakeGkeApi {
  /** `http://127.0.0.1:<port>`: a GKE API endpoint (with RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT). */
  readonly url: string;
  /** Every request received: its path and Authorization header. */
  readonly requests: { path: string; authorization: string | undefined }[];
  /** Sets (or replaces) what `resource` (`projects/P/locations/L/clusters/C`) answers. */
  setCluster(resource: string, cluster: FakeGkeCluster): void;
  reset(): void;
  stop(): Promise<void>;
}

function clusterBody(resource: string, cluster: FakeGkeCluster): Record<string, unknown> {
  return {
    name: resource.split("/").at(-1),
    selfLink: `https://container.googleapis.com/v1/${resource}`,
    ...(cluster.endpoint !== undefined ? { endpoint: cluster.endpoint } : {}),
    ...(cluster.caData !== undefined ? { masterAuth: { clusterCaCertificate: cluster.caData } } : {}),
    ...(cluster.networkPolicies ? gkeNetworkFields(cluster.networkPolicies) : {}),
    ...cluster.answer,
  };
}

export async function startGkeApi(
  initial: Readonly<Record<string, FakeGkeCluster>> = {},
): Promise<FakeGkeApi> {
  const clusters = new Map(Object.entries(initial));
  const requests: FakeGkeApi["requests"] = [];

  const respond = (request: IncomingMessage, response: ServerResponse) => {
    const path = request.url ?? "";
    requests.push({ path, authorization: request.headers.authorization });
    const resource = path.match(/^\/v1\/(projects\/[^/?]+\/locations\/[^/?]+\/clusters\/[^/?]+)$/)?.[1];
    const cluster = resource ? clusters.get(resource) : undefined;
    if (!resource || !cluster) {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ error: { code: 404, message: `${path} not found`, status: "NOT_FOUND" } }),
      );
      return;
    }
    const send = () => {
      if (cluster.status !== undefined && cluster.status !== 200) {
        response.writeHead(cluster.status, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: { code: cluster.status, message: "fake GKE API error" } }));
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(clusterBody(resource, cluster)));
    };
    if (cluster.delayMs === "never") return;
    if (cluster.delayMs) setTimeout(send, cluster.delayMs);
    else send();
  };

  const server = createServer(respond);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setCluster: (resource, cluster) => {
      clusters.set(resource, cluster);
    },
    reset: () => {
      clusters.clear();
      requests.length = 0;
    },
    stop: async () => {
      // Hanging requests ("never") would keep close() waiting.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
