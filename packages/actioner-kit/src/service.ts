// What the three actioner services have in common, written once: their descriptor, their app and the
// runner dependencies built from the kit's config. A service is then its action, its descriptor
// (`describeActioner`) and a main that calls `runActioner` (run.ts).
import { ACTIONS, type Command, commandSchemaFor, Topics } from "@riposte/contracts";
import { openLedger } from "@riposte/ledger";
import {
  createPushApp,
  DEFAULT_RUNTIME,
  type GcpRoleGrant,
  jsonMessageDecoder,
  type LocalEnvironment,
  type Logger,
  type Publisher,
  type PushAppOptions,
  pushRoute,
  RESPONDER_REDELIVERY,
  type RedeliveryPolicy,
  type RuntimeSettings,
  type ServiceDescriptor,
  startService,
} from "@riposte/service-kit";
import { z } from "zod";
import {
  type ActionerLedger,
  type ActionRunnerDeps,
  createActionerLedger,
  createActionHandler,
  type KubernetesAction,
} from "./action.js";
import { createClusterRegistry } from "./cluster.js";
import {
  blastRadiusLimitsFrom,
  checkActionerConfig,
  gkeApiEndpointFrom,
  type KubernetesActionerConfig,
  kubernetesActionerEnv,
  safetyPolicyFrom,
} from "./config.js";
import { type ActionerScheduledCall, addScheduledCalls } from "./scheduled.js";

/**
 * The responders' policy (first retry after 1 s, up to one a minute) with 5 more deliveries: a command
 * ordered after earlier actions may spend its first MAX_ACTION_WAIT_SECONDS (5 min) waiting, and still
 * has 14 minutes of retries for a real outage after that (19 min in all before dead-lettering).
 */
export const ACTIONER_REDELIVERY: RedeliveryPolicy = {
  ...RESPONDER_REDELIVERY,
  maxDeliveryAttempts: RESPONDER_REDELIVERY.maxDeliveryAttempts + 5,
};

export const actionerEnvSchema = z.object(kubernetesActionerEnv);
export type ActionerEnvSchema = typeof actionerEnvSchema;

/**
 * What an action uses beyond the cluster (a storage bucket, say): the service's own variables, and
 * what is built from them once at start, handed to every plan as `context.uses`.
 */
export interface ActionerUses<X, E extends z.ZodRawShape = z.ZodRawShape> {
  /** The service's variables beside the kit's: validated at start, listed in the README's tables. */
  env: E;
  create(config: z.output<z.ZodObject<E>>, logger: Logger): X | Promise<X>;
}

/** An actioner's descriptor: the service's, and the action it runs. */
export interface ActionerDescriptor<C extends Command = Command>
  extends ServiceDescriptor<ActionerEnvSchema> {
  action: KubernetesAction<C>;
  /** Served beside the push route (scheduled.ts). */
  scheduled?: readonly ActionerScheduledCall[];
  /** Builds the action's `context.uses` from the config (describeActioner's `uses`). */
  createUses?: (config: unknown, logger: Logger) => unknown;
}

/**
 * The descriptor of the service that runs `action`: its name and topic are the catalogue's, its
 * description is the action's; only what differs between actioners is passed in.
 */
export function describeActioner<C extends Command, X = unknown, E extends z.ZodRawShape = z.ZodRawShape>(
  action: KubernetesAction<C, X>,
  service: {
    localPortOffset: number;
    runtime?: Partial<RuntimeSettings>;
    scheduled?: readonly ActionerScheduledCall[];
    uses?: ActionerUses<X, E>;
    /** Roles beyond reading GKE clusters (e.g. on a bucket). */
    gcpRoles?: readonly GcpRoleGrant[];
    /** Environment for `riposte dev` beside the kit's (the local cluster). */
    localEnv?: (local: LocalEnvironment) => Record<string, string>;
    requiredAtDeploy?: ServiceDescriptor["requiredAtDeploy"];
    /** Buckets it writes to (the deploy plan creates them and grants its roles on each). */
    buckets?: ServiceDescriptor["buckets"];
    /** Kubernetes workloads it launches, with their own Google identity. */
    workloadIdentities?: ServiceDescriptor["workloadIdentities"];
  },
): ActionerDescriptor<C> {
  const { service: name, topic } = ACTIONS[action.name];
  const { uses } = service;
  return {
    name,
    description: action.description,
    localPortOffset: service.localPortOffset,
    inputs: [{ topic, path: "/", accepts: [action.kind] }],
    publishes: [Topics.actionOutcomes, Topics.quarantine],
    kubernetes: action.permissions,
    gcpRoles: [
      {
        role: "roles/container.clusterViewer",
        on: { kind: "project" },
        reason: "read GKE cluster endpoints and CA; what it may do inside is granted by Kubernetes RBAC",
      },
      ...(service.gcpRoles ?? []),
    ],
    // With `uses`, the kit's schema and the service's variables: the runner reads only the kit's.
    env: (uses ? actionerEnvSchema.extend(uses.env) : actionerEnvSchema) as ActionerEnvSchema,
    ...(service.requiredAtDeploy ? { requiredAtDeploy: service.requiredAtDeploy } : {}),
    ...(service.buckets?.length ? { buckets: service.buckets } : {}),
    ...(service.workloadIdentities?.length ? { workloadIdentities: service.workloadIdentities } : {}),
    // Blast-radius limits are counted in the ledger, across instances: no cap on instances for them.
    runtime: { ...DEFAULT_RUNTIME, redelivery: ACTIONER_REDELIVERY, ...service.runtime },
    localEnv: (local) => ({
      CLUSTERS: JSON.stringify({ local: local.kubernetesUrl }),
      ...service.localEnv?.(local),
    }),
    // Its own kind of action (the generic X is the action's business, not the descriptor's).
    action: action as KubernetesAction<C>,
    ...(uses
      ? { createUses: (config, logger) => uses.create(config as z.output<z.ZodObject<E>>, logger) }
      : {}),
    ...(service.scheduled?.length ? { scheduled: service.scheduled } : {}),
  };
}

export interface ActionerDeps {
  push: Omit<PushAppOptions, "routes">;
  runner: ActionRunnerDeps;
}

/** The actioner's app: the action's commands in, the change and an ActionOutcome out; its scheduled calls. */
export function createActionerApp<C extends Command>(
  action: KubernetesAction<C>,
  deps: ActionerDeps,
  scheduled: readonly ActionerScheduledCall[] = [],
) {
  // The schema of the action's own kind decodes exactly C (the generic cannot see it).
  const schema = commandSchemaFor(action.kind) as unknown as z.ZodType<C>;
  const app = createPushApp({
    ...deps.push,
    routes: [pushRoute("/", jsonMessageDecoder(schema), createActionHandler(action, deps.runner))],
  });
  addScheduledCalls(app, scheduled, deps.runner, deps.push);
  return app;
}

/** Starts the service `descriptor` describes, with real dependencies. */
export function startActioner<C extends Command>(descriptor: ActionerDescriptor<C>) {
  return startService(descriptor, async (kit) => {
    const { config } = kit;
    const ledger = await openLedger(config, createActionerLedger, { ...kit, requests: "commands" });
    const runner = runnerDepsFromKit(descriptor.action, kit, descriptor.name, ledger);
    if (descriptor.createUses) runner.uses = await descriptor.createUses(config, kit.logger);
    return createActionerApp(descriptor.action, { push: kit.push, runner }, descriptor.scheduled);
  });
}

/**
 * The runner's dependencies from the kit (real cluster registry, limits, policy, publisher) and the
 * ledger. Throws a ConfigError for an unsafe setting, so the service stops at start-up with the
 * variable named.
 */
export function runnerDepsFromKit<C extends Command>(
  action: KubernetesAction<C>,
  kit: {
    config: KubernetesActionerConfig & { KUBE_CALL_TIMEOUT_MS: number };
    logger: Logger;
    publisher: Publisher;
  },
  service: string,
  ledger: ActionerLedger,
): ActionRunnerDeps {
  checkActionerConfig(kit.config);
  const limits = blastRadiusLimitsFrom(kit.config, action.limits);
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
    ledger,
    limits,
    dryRun: kit.config.DRY_RUN,
    publisher: kit.publisher,
    callTimeoutMs: kit.config.KUBE_CALL_TIMEOUT_MS,
  };
}
