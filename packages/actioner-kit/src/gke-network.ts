// Whether a cluster enforces NetworkPolicies: a deny-all policy on a GKE cluster without Dataplane V2 or
// the network policy add-on is stored and does nothing. The GKE API's Cluster resource says which
// (networkConfig.datapathProvider, networkPolicy.enabled, addonsConfig.networkPolicyConfig.disabled);
// it is asked once per cluster and hour, through the same endpoint rule and Application Default
// Credentials as the cluster registry. A cluster reached by a kubeconfig context or a URL cannot be
// asked: "unknown". A lookup that fails or hangs is "unknown" too — it never holds an isolation back.
import { truncateText } from "@riposte/contracts";
import { errorMessage, withTimeout } from "@riposte/service-kit";
import { GoogleAuth } from "google-auth-library";
import {
  type ClusterEntry,
  DEFAULT_GKE_API_ENDPOINT,
  GkeApiEndpointError,
  gkeApiEndpointProblem,
  type RegistryOptions,
} from "./cluster.js";

/** true, false, or "unknown" when the cluster cannot be asked or did not answer. */
export type NetworkPolicyEnforced = boolean | "unknown";

export interface NetworkPolicyEnforcement {
  enforced: NetworkPolicyEnforced;
  /** Why, for a person: printable, at most ENFORCEMENT_WHY_MAX_LENGTH characters. */
  why: string;
}

export interface NetworkPolicyEnforcementLookup {
  /** Never rejects: a failure is `unknown` with its reason. `signal` ends this caller's wait only. */
  enforcementOf(cluster: string, signal?: AbortSignal): Promise<NetworkPolicyEnforcement>;
}

export const ENFORCEMENT_WHY_MAX_LENGTH = 300;
/** A cluster's network setup rarely changes: an hour-old answer is good enough. */
export const ENFORCEMENT_REFRESH_MS = 60 * 60_000;
/** A failed lookup is not asked again for a minute, so a GKE API outage slows one isolation a minute. */
export const ENFORCEMENT_RETRY_MS = 60_000;
/** Well under an actioner's step cap (KUBE_CALL_TIMEOUT_MS, 10 s by default): the isolation goes on. */
export const ENFORCEMENT_LOOKUP_TIMEOUT_MS = 3_000;

export interface EnforcementLookupOptions extends RegistryOptions {
  timeoutMs?: number;
  refreshMs?: number;
  now?: () => number;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/** Text from the GKE API or an error, made safe to show: no control or bidi characters, bounded. */
function printable(text: string, max = ENFORCEMENT_WHY_MAX_LENGTH): string {
  // Cut first: a huge answer is never scanned whole.
  return truncateText(text.slice(0, max + 1).replace(UNPRINTABLE, " "), max);
}

/** An enum value as the API spells them (UPPER_SNAKE), or a placeholder for anything else. */
function enumValue(value: unknown): string {
  if (value === undefined) return "not set";
  return typeof value === "string" && /^[A-Z][A-Z0-9_]{0,63}$/.test(value) ? value : "an unexpected value";
}

function flag(value: unknown): string {
  return value === undefined ? "not set" : typeof value === "boolean" ? String(value) : "an unexpected value";
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === "object" && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** What a v1 Cluster resource says about NetworkPolicy enforcement. */
export function enforcementOfGkeCluster(cluster: unknown): NetworkPolicyEnforcement {
  if (cluster === null || typeof cluster !== "object" || Array.isArray(cluster))
    return { enforced: "unknown", why: "the GKE API answered something that is not a cluster" };
  const datapath = field(field(cluster, "networkConfig"), "datapathProvider");
  if (datapath === "ADVANCED_DATAPATH")
    return {
      enforced: true,
      why: "GKE Dataplane V2 enforces NetworkPolicies (networkConfig.datapathProvider ADVANCED_DATAPATH)",
    };
  const enabled = field(field(cluster, "networkPolicy"), "enabled");
  // proto3 JSON leaves a false `disabled` out: absent is "on".
  const addonDisabled = field(field(field(cluster, "addonsConfig"), "networkPolicyConfig"), "disabled");
  if (enabled === true && (addonDisabled === undefined || addonDisabled === false))
    return {
      enforced: true,
      why: "GKE network policy enforcement is on (networkPolicy.enabled, add-on networkPolicyConfig on)",
    };
  return {
    enforced: false,
    why: printable(
      `neither GKE Dataplane V2 (networkConfig.datapathProvider is ${enumValue(datapath)}) nor network policy enforcement (networkPolicy.enabled is ${flag(enabled)}, addonsConfig.networkPolicyConfig.disabled is ${flag(addonDisabled)}) is on`,
    ),
  };
}

interface Cached {
  result: Promise<NetworkPolicyEnforcement>;
  /** When the answer may be asked again (set once it arrived). */
  until: number;
}

export function createNetworkPolicyEnforcementLookup(
  entries: Readonly<Record<string, ClusterEntry>>,
  options: EnforcementLookupOptions = {},
): NetworkPolicyEnforcementLookup {
  const gkeApi = (options.gkeApiEndpoint ?? DEFAULT_GKE_API_ENDPOINT).replace(/\/$/, "");
  const endpointProblem = options.testOnlyAnyGkeApiEndpoint ? undefined : gkeApiEndpointProblem(gkeApi);
  if (endpointProblem)
    throw new GkeApiEndpointError(
      `GKE API endpoint ${JSON.stringify(gkeApi)} ${endpointProblem}: it would receive Google credentials`,
    );
  const auth = options.auth ?? new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
  const timeoutMs = options.timeoutMs ?? ENFORCEMENT_LOOKUP_TIMEOUT_MS;
  const refreshMs = options.refreshMs ?? ENFORCEMENT_REFRESH_MS;
  const now = options.now ?? Date.now;
  const cache = new Map<string, Cached>();

  const ask = async (resource: string, signal: AbortSignal): Promise<NetworkPolicyEnforcement> => {
    const token = await auth.getAccessToken();
    if (!token) throw new Error("Application Default Credentials gave no access token");
    const response = await fetch(`${gkeApi}/v1/${resource}`, {
      headers: { authorization: `Bearer ${token}` },
      // The token must not travel to another host.
      redirect: "error",
      signal,
    });
    if (!response.ok) {
      const body = (await response.text()).slice(0, 200);
      throw new Error(`GKE API ${response.status} for ${resource}: ${body}`);
    }
    return enforcementOfGkeCluster(await response.json());
  };

  /** One lookup per cluster at a time, kept an hour (a failure a minute); never rejects. */
  const lookUp = (resource: string): Promise<NetworkPolicyEnforcement> => {
    const cached = cache.get(resource);
    if (cached && (cached.until === 0 || now() < cached.until)) return cached.result;
    const entry: Cached = { until: 0, result: Promise.resolve({ enforced: "unknown", why: "" }) };
    entry.result = withTimeout((signal) => ask(resource, signal), {
      what: `GKE API lookup of ${resource}`,
      timeoutMs,
    }).then(
      (result) => {
        entry.until = now() + refreshMs;
        return result;
      },
      (error: unknown) => {
        entry.until = now() + Math.min(ENFORCEMENT_RETRY_MS, refreshMs);
        return {
          enforced: "unknown" as const,
          why: printable(`GKE API lookup failed: ${errorMessage(error)}`),
        };
      },
    );
    cache.set(resource, entry);
    return entry.result;
  };

  return {
    async enforcementOf(cluster, signal) {
      // hasOwn: a cluster named "constructor" must not find Object.prototype's.
      const entry = Object.hasOwn(entries, cluster) ? entries[cluster] : undefined;
      if (!entry) return { enforced: "unknown", why: "the cluster is not in CLUSTERS" };
      if (entry.kind === "context")
        return { enforced: "unknown", why: "reached by a kubeconfig context, not through the GKE API" };
      if (entry.kind === "server")
        return { enforced: "unknown", why: "reached by a server URL, not through the GKE API" };
      const result = lookUp(entry.resource);
      if (!signal) return result;
      try {
        return await withTimeout(() => result, { what: "waiting for the GKE API", timeoutMs, signal });
      } catch (error) {
        return { enforced: "unknown", why: printable(`GKE API lookup given up: ${errorMessage(error)}`) };
      }
    },
  };
}
