// What the three actioner services have in common, written once: their descriptor and the runner
// dependencies built from the kit's config. A service is then its action plus three short files.
import type { Command } from "@riposte/falco-event";
import { Topics } from "@riposte/falco-event";
import {
  DEFAULT_RUNTIME,
  type Logger,
  type Publisher,
  type RuntimeSettings,
  type ServiceDescriptor,
} from "@riposte/service-kit";
import { z } from "zod";
import type { ActionRunnerDeps, KubernetesAction } from "./action.js";
import { createClusterRegistry } from "./cluster.js";
import {
  checkActionerConfig,
  gkeApiEndpointFrom,
  type KubernetesActionerConfig,
  kubernetesActionerEnv,
  safetyPolicyFrom,
} from "./config.js";
import { createLimiter } from "./limits.js";

export const actionerEnvSchema = z.object(kubernetesActionerEnv);
export type ActionerEnvSchema = typeof actionerEnvSchema;

export function describeActioner(
  action: KubernetesAction,
  service: {
    name: string;
    topic: string;
    description: string;
    localPortOffset: number;
    runtime?: Partial<RuntimeSettings>;
  },
): ServiceDescriptor<ActionerEnvSchema> {
  return {
    name: service.name,
    description: service.description,
    localPortOffset: service.localPortOffset,
    inputs: [{ topic: service.topic, path: "/", accepts: [action.kind] }],
    publishes: [Topics.actionOutcomes, Topics.quarantine],
    kubernetes: action.permissions,
    gcpRoles: [
      {
        role: "roles/container.clusterViewer",
        on: { kind: "project" },
        reason: "read GKE cluster endpoints and CA; what it may do inside is granted by Kubernetes RBAC",
      },
    ],
    env: actionerEnvSchema,
    // Blast-radius limits are counted per instance: one instance makes them global.
    runtime: { ...DEFAULT_RUNTIME, maxInstances: 1, ...service.runtime },
    localEnv: (local) => ({ CLUSTERS: JSON.stringify({ local: local.kubernetesUrl }) }),
  };
}

/**
 * The runner's dependencies from the kit (real cluster registry, limiter, policy, publisher). Throws a
 * ConfigError for an unsafe setting, so the service stops at start-up with the variable named.
 */
export function runnerDepsFromKit<C extends Command>(
  action: KubernetesAction<C>,
  kit: {
    config: KubernetesActionerConfig & { KUBE_CALL_TIMEOUT_MS: number };
    logger: Logger;
    publisher: Publisher;
  },
  service: string,
): ActionRunnerDeps {
  checkActionerConfig(kit.config);
  const basePolicy = safetyPolicyFrom(kit.config);
  const gkeApiEndpoint = gkeApiEndpointFrom(kit.config);
  if (basePolicy.unprotectedNamespaces?.length) {
    kit.logger.warn(
      { unprotectedNamespaces: basePolicy.unprotectedNamespaces },
      `UNPROTECT_NAMESPACES is set: ${service} may act in ${basePolicy.unprotectedNamespaces.join(", ")}, which the defaults protect`,
    );
  }
  if (kit.config.RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT)
    kit.logger.warn({ gkeApiEndpoint }, "RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT is set: for tests only");
  return {
    service,
    registry: createClusterRegistry(kit.config.CLUSTERS, {
      ...(gkeApiEndpoint ? { gkeApiEndpoint } : {}),
      testOnlyAnyGkeApiEndpoint: kit.config.RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT === true,
    }),
    basePolicy,
    limiter: createLimiter(action.limits),
    dryRun: kit.config.DRY_RUN,
    publisher: kit.publisher,
    callTimeoutMs: kit.config.KUBE_CALL_TIMEOUT_MS,
  };
}
