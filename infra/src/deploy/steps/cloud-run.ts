// The steps that put the services on Cloud Run: their bundles, then one `gcloud run deploy` each with
// the settings of its descriptor and the environment the options give it.
import { gkeApiEndpointProblem } from "@riposte/actioner-kit";
import type { ServiceDescriptor } from "@riposte/service-kit";
import { gkeClusterPath } from "@riposte/service-kit/gcp";
import { serviceAccountEmail } from "../../rbac.js";
import { gcloud, type PlanCommand, type PlanStep } from "../commands.js";
import { ROUTER } from "../playbooks.js";
import type { GkeCluster } from "../preflight.js";
import { DeployPlanError, type PlanContext } from "./context.js";
import { bucketEnv } from "./evidence.js";
import { secretsOf } from "./secrets.js";
import { webEnv, webIngressFlags } from "./web-front.js";

/** Environment every service gets on Cloud Run, in addition to its descriptor's. */
export function commonDeployEnv(project: string): Record<string, string> {
  return {
    GOOGLE_CLOUD_PROJECT: project,
    // The services start a tracer provider only (no metrics or logs SDK); these keep any library
    // that reads them from starting default exporters, which retried localhost:4318 for ~8 s at
    // shutdown (measured with OpenTelemetry's Node SDK, which the services used to start).
    OTEL_METRICS_EXPORTER: "none",
    OTEL_LOGS_EXPORTER: "none",
  };
}

/** Variables whose value follows from the clusters option: a JSON map of each cluster's alert name to its path. */
export function clusterDerivedEnv(
  project: string,
  clusters: readonly GkeCluster[] = [],
): Record<string, string> {
  if (clusters.length === 0) return {};
  const map = JSON.stringify(
    Object.fromEntries(
      clusters.map((cluster) => [
        cluster.name,
        gkeClusterPath({ project, location: cluster.location, cluster: cluster.name }),
      ]),
    ),
  );
  // The one cluster map of the Kubernetes actioners and the scc-exporter.
  return { CLUSTERS: map };
}

/** The descriptor's variables that have no default and must be set. */
export function requiredEnv(descriptor: ServiceDescriptor): string[] {
  const shape = descriptor.env.shape as Record<string, { safeParse(value: unknown): { success: boolean } }>;
  return Object.keys(shape).filter((key) => !shape[key]?.safeParse(undefined).success);
}

/**
 * What a deployment must give the service: each entry lists variables of which one must have a value
 * — those the schema requires (no default), then the descriptor's `requiredAtDeploy`.
 */
export function requiredAtDeploy(descriptor: ServiceDescriptor): (readonly string[])[] {
  return [...requiredEnv(descriptor).map((key) => [key]), ...(descriptor.requiredAtDeploy ?? [])];
}

/** Services that call a cluster's API server (they hold Kubernetes verbs): private clusters need VPC egress for them. */
export function reachesCluster(descriptor: ServiceDescriptor): boolean {
  return descriptor.kubernetes.length > 0;
}

/** The Cloud Run URL of a service, as a variable of the plan. */
export function urlVariable(service: string): string {
  return `${service.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_URL`;
}

export function bundlesStep({ whole, selected }: PlanContext): PlanStep {
  return {
    title: "Build the bundles",
    why: "`gcloud run deploy --source services/<name>` uploads that folder only: it must hold its built bundle (dist/)",
    commands: whole
      ? [{ call: { program: "npm", path: ["run", "build"], positionals: [], flags: [] } }]
      : selected.map((service) => ({
          call: {
            program: "npm" as const,
            path: ["run", "build"],
            positionals: [],
            flags: [["workspace", `services/${service.name}`] as const],
          },
        })),
  };
}

export function cloudRunStep(ctx: PlanContext): PlanStep {
  return {
    title: "Deploy the services to Cloud Run",
    why: "settings from each descriptor's runtime: concurrency, timeout = push ack deadline, min and max instances, CPU always allocated; VPC egress for those that reach a cluster",
    commands: ctx.selected.flatMap((service) => [deployCommand(service, ctx), urlCommand(service, ctx)]),
  };
}

function deployCommand(service: ServiceDescriptor, ctx: PlanContext): PlanCommand {
  const { playbooks } = ctx;
  const env = serviceEnv(service, ctx);
  const secrets = Object.entries(secretsOf(service, ctx.options)).map(
    ([variable, reference]) => `${variable}=${reference.secret}:${reference.version}`,
  );
  if (playbooks && service.name === ROUTER) {
    Object.assign(env, playbooks.settings.env);
    secrets.push(playbooks.settings.secret);
  }
  const runtime = service.runtime;
  return {
    call: gcloud(
      ["run", "deploy"],
      [service.name],
      [
        ["source", `services/${service.name}`],
        ["region", ctx.region],
        ctx.projectFlag,
        ["service-account", serviceAccountEmail(service.name, ctx.project)],
        // Only the push account may call it (invoker step); Pub/Sub push counts as internal traffic.
        // A web front (the console) also admits its load balancer, without Cloud Run's invoker check:
        // Slack's requests carry no Google identity (./web-front.ts says what checks them instead).
        ["no-allow-unauthenticated"],
        ...webIngressFlags(service),
        ["concurrency", String(runtime.concurrency)],
        // The push ack deadline is how long Pub/Sub waits for the answer: the request may take as long.
        ["timeout", `${runtime.ackDeadlineSeconds}s`],
        ["cpu-boost"],
        ["min-instances", String(runtime.minInstances)],
        ...(runtime.maxInstances === undefined
          ? []
          : [["max-instances", String(runtime.maxInstances)] as const]),
        ...(runtime.cpuAlwaysAllocated ? [["no-cpu-throttling"] as const] : []),
        // Only private ranges (a private cluster endpoint) go through the VPC; Google APIs stay direct.
        ...(ctx.options.vpc && reachesCluster(service)
          ? ([
              ["network", ctx.options.vpc.network],
              ["subnet", ctx.options.vpc.subnet],
              ["vpc-egress", "private-ranges-only"],
            ] as const)
          : []),
        ["set-env-vars", envVarsFlag(env)],
        ...(secrets.length > 0 ? [["set-secrets", secrets.join(",")] as const] : []),
        ["quiet"],
      ],
    ),
  };
}

/** Reads the deployed service's URL: its push subscriptions' endpoint. */
function urlCommand(service: ServiceDescriptor, ctx: PlanContext): PlanCommand {
  return {
    call: gcloud(
      ["run", "services", "describe"],
      [service.name],
      [["region", ctx.region], ctx.projectFlag, ["format", "value(status.url)"]],
    ),
    capture: urlVariable(service.name),
  };
}

/** The service's Cloud Run environment: common values, cluster-derived values, given values, TODOs. */
function serviceEnv(service: ServiceDescriptor, ctx: PlanContext): Record<string, string> {
  const { options, todos } = ctx;
  const declared = new Set(Object.keys(service.env.shape));
  const common = commonDeployEnv(options.project);
  const env: Record<string, string> = { ...common };
  const derived = clusterDerivedEnv(options.project, options.clusters);
  for (const [key, value] of Object.entries(derived)) if (declared.has(key)) env[key] = value;
  for (const [key, value] of Object.entries(options.env?.[service.name] ?? {})) env[key] = value;
  const secrets = secretsOf(service, options);
  // The buckets the descriptor declares are the plan's to name: one name for the bucket it creates.
  for (const [key, value] of Object.entries(bucketEnv(service, options))) {
    if (key in env || key in secrets) {
      throw new DeployPlanError(
        `${service.name}: ${key} is set by the plan to the bucket it creates: name that bucket with --evidence-bucket`,
      );
    }
    env[key] = value;
  }
  // A web front's audience, authentication mode and scheduled-call check are the plan's: a value from
  // --env could point the service at another audience or turn its authentication off.
  for (const [key, value] of Object.entries(webEnv(service, ctx))) {
    if (key in env || key in secrets) {
      throw new DeployPlanError(
        `${service.name}: ${key} is set by the plan (its web front behind IAP): do not give it with --env or --secret`,
      );
    }
    env[key] = value;
  }
  // e.g. RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT would send Google credentials to any URL.
  for (const key of [...Object.keys(env), ...Object.keys(secrets)]) {
    if (key.startsWith("RIPOSTE_TEST_ONLY_"))
      throw new DeployPlanError(`${service.name}: ${key} is for tests only and is never deployed`);
  }
  const gkeApiProblem =
    env.GKE_API_ENDPOINT === undefined ? undefined : gkeApiEndpointProblem(env.GKE_API_ENDPOINT);
  if (gkeApiProblem)
    throw new DeployPlanError(
      `${service.name}: GKE_API_ENDPOINT ${JSON.stringify(env.GKE_API_ENDPOINT)} ${gkeApiProblem} (it would receive Google credentials)`,
    );
  for (const keys of requiredAtDeploy(service)) {
    if (keys.some((key) => env[key] !== undefined || secrets[key] !== undefined)) continue;
    if (keys.length === 1) env[keys[0] as string] = `TODO-${keys[0]}`;
    todos.push({
      service: service.name,
      variable: keys.join(" or "),
      hint: keys
        .map((key) => `--env ${service.name}:${key}=VALUE or --secret ${service.name}:${key}=SECRET`)
        .join(", or "),
    });
  }
  return env;
}

/**
 * `--set-env-vars` value. Values may hold commas (JSON maps), which gcloud would split on: then the
 * list uses another delimiter with gcloud's `^DELIM^` escaping (`gcloud topic escaping`).
 */
export function envVarsFlag(env: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(env).map(([key, value]) => `${key}=${value}`);
  if (!pairs.some((pair) => pair.includes(","))) return pairs.join(",");
  const delimiter = ["@", "|", "~", "#", "%"].find(
    (candidate) => !pairs.some((pair) => pair.includes(candidate)),
  );
  if (!delimiter) throw new DeployPlanError("environment values use every delimiter gcloud could split on");
  return `^${delimiter}^${pairs.join(delimiter)}`;
}
