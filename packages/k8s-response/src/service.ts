// What the three actioner services have in common, written once: their descriptor and the runner
// dependencies built from the kit's config. A service is then its action plus three short files.
import type { Command } from "@riposte/falco-event";
import { Topics } from "@riposte/falco-event";
import {
  DEFAULT_RUNTIME,
  type RuntimeSettings,
  type ServiceDescriptor,
  type ServiceKit,
} from "@riposte/service-kit";
import { z } from "zod";
import type { ActionRunnerDeps, KubernetesAction } from "./action.js";
import { createClusterRegistry } from "./cluster.js";
import { type KubernetesActionerConfig, kubernetesActionerEnv, safetyPolicyFrom } from "./config.js";
import { createLimiter } from "./limits.js";

export const actionerEnvSchema = z.object(kubernetesActionerEnv);
export type ActionerEnvSchema = typeof actionerEnvSchema;

export function describeActioner(
  action: KubernetesAction,
  service: { name: string; topic: string; description: string; runtime?: Partial<RuntimeSettings> },
): ServiceDescriptor<ActionerEnvSchema> {
  return {
    name: service.name,
    description: service.description,
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

/** The runner's dependencies from the kit (real cluster registry, limiter, policy, publisher). */
export function runnerDepsFromKit<C extends Command>(
  action: KubernetesAction<C>,
  kit: ServiceKit<
    KubernetesActionerConfig & { KUBE_CALL_TIMEOUT_MS: number; GKE_API_ENDPOINT?: string | undefined }
  >,
  service: string,
): ActionRunnerDeps {
  return {
    service,
    registry: createClusterRegistry(
      kit.config.CLUSTERS,
      kit.config.GKE_API_ENDPOINT ? { gkeApiEndpoint: kit.config.GKE_API_ENDPOINT } : {},
    ),
    basePolicy: safetyPolicyFrom(kit.config),
    limiter: createLimiter(action.limits),
    dryRun: kit.config.DRY_RUN,
    publisher: kit.publisher,
    callTimeoutMs: kit.config.KUBE_CALL_TIMEOUT_MS,
  };
}
