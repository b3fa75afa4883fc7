// Client configuration pointing at a running sim: a @kubernetes/client-node KubeConfig for tests
// and services, and kubeconfig YAML for kubectl.

import { KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";

export interface SimEndpoint {
  url: string;
  caCert?: string;
}

export interface KubeConfigOptions {
  /** Bearer token (the sim maps it to a user; see startSim's `tokens`). */
  token?: string;
  /** Default namespace of the context. */
  namespace?: string;
}

const NAMES = { cluster: "k8s-sim", user: "k8s-sim-user", context: "k8s-sim" } as const;

/**
 * A KubeConfig for the sim. Plain HTTP needs `skipTLSVerify` (client-node refuses http:// without
 * it); HTTPS trusts the sim's generated certificate through `caData`.
 */
export function kubeConfigFor(sim: SimEndpoint, options: KubeConfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: NAMES.cluster,
        server: sim.url,
        skipTLSVerify: sim.caCert === undefined,
        ...(sim.caCert ? { caData: Buffer.from(sim.caCert).toString("base64") } : {}),
      },
    ],
    users: [{ name: NAMES.user, ...(options.token ? { token: options.token } : {}) }],
    contexts: [
      {
        name: NAMES.context,
        cluster: NAMES.cluster,
        user: NAMES.user,
        ...(options.namespace ? { namespace: options.namespace } : {}),
      },
    ],
    currentContext: NAMES.context,
  });
  return kc;
}

/** kubeconfig YAML for kubectl (`KUBECONFIG=<file> kubectl get pods`). */
export function kubeconfigYamlFor(sim: SimEndpoint, options: KubeConfigOptions = {}): string {
  const cluster: Record<string, unknown> = { server: sim.url };
  if (sim.caCert) cluster["certificate-authority-data"] = Buffer.from(sim.caCert).toString("base64");
  const context: Record<string, unknown> = { cluster: NAMES.cluster, user: NAMES.user };
  if (options.namespace) context.namespace = options.namespace;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: NAMES.cluster, cluster }],
    users: [{ name: NAMES.user, user: options.token ? { token: options.token } : {} }],
    contexts: [{ name: NAMES.context, context }],
    "current-context": NAMES.context,
  });
}
