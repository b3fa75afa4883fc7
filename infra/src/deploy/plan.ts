// The deploy plan: every command that puts Riposte on a Google Cloud project, derived from the service
// descriptors, the topology derived from them, and their RBAC — never a hand-written list. Order:
// APIs → service accounts → topics → IAM → bundles → (playbooks) → Cloud Run → invoker → subscriptions →
// dead-letter grants → Kubernetes RBAC → falcosidekick's identity. Services are deployed before their
// subscriptions because a push endpoint is the service's URL, which exists only once it is deployed:
// the plan reads it with `gcloud run services describe` instead of guessing the URL's form.
import { deadLetterTopicOf, Topics } from "@riposte/falco-event";
import { gkeApiEndpointProblem } from "@riposte/k8s-response";
import { type GcpRoleGrant, type ServiceDescriptor, subscriptionNameFor } from "@riposte/service-kit";
import { serviceAccountEmail } from "../rbac.js";
import { deriveTopology, type SubscriptionSpec } from "../topology/derive.js";
import { pubsubServiceAgent, serviceAgentGrants } from "../topology/service-agent.js";
import { alertingStep } from "./alerting.js";
import type { DeployPlan, Flag, PlanCommand, PlanStep, PlanTodo } from "./commands.js";
import { gcloud, planVariable, variablesIn } from "./commands.js";
import {
  PLAYBOOKS_VERSION_VARIABLE,
  ROUTER,
  routerPlaybooksSettings,
  storePlaybooksStep,
} from "./playbooks.js";
import {
  callerPermissions,
  type GkeCluster,
  ORGANIZATION_PERMISSIONS,
  type Preflight,
  type VpcEgress,
} from "./preflight.js";

export type { GkeCluster, VpcEgress };

/** Pub/Sub signs every push with this account's OIDC token; it may invoke the services and nothing else. */
export const PUSH_SERVICE_ACCOUNT_ID = "riposte-pubsub-push";
/** falcosidekick's Google identity (Workload Identity), allowed to publish to falco-events only. */
export const FALCOSIDEKICK_SERVICE_ACCOUNT_ID = "riposte-falcosidekick";
/** Where the falcosidekick Helm release runs, and its Kubernetes service account (the chart's default). */
export const FALCOSIDEKICK_KUBERNETES_ACCOUNT = { namespace: "falco", name: "falcosidekick" } as const;

/** Service account ids are 6–30 characters: `riposte-` leaves 22 for the service name. */
export const MAX_SERVICE_NAME_LENGTH = 30 - "riposte-".length;

/** Roles every service needs because of what service-kit does for all of them. */
export const COMMON_PROJECT_ROLES: readonly { role: string; reason: string }[] = [
  {
    role: "roles/telemetry.tracesWriter",
    reason:
      "service-kit exports traces to Cloud Trace's OTLP endpoint (telemetry.googleapis.com) on Cloud Run",
  },
];

/** Environment every service gets on Cloud Run, in addition to its descriptor's. */
export function commonDeployEnv(project: string): Record<string, string> {
  return {
    GOOGLE_CLOUD_PROJECT: project,
    // The SDK's default metric and log exporters retry localhost:4318 for ~8 s at shutdown, past
    // Cloud Run's 10 s SIGTERM budget (measured: shutdown took 8 s more with them on).
    OTEL_METRICS_EXPORTER: "none",
    OTEL_LOGS_EXPORTER: "none",
  };
}

export interface SecretReference {
  secret: string;
  version: string;
}

export interface DeployOptions {
  project: string;
  region: string;
  /** Only these services (default: all). Shared steps (APIs, push account) are always included. */
  only?: readonly string[];
  /** The GKE clusters Riposte answers for: RBAC is applied in each, and cluster maps name them all. */
  clusters?: readonly GkeCluster[];
  /** Direct VPC egress for the services that reach a cluster's control plane (private clusters). */
  vpc?: VpcEgress;
  /** Organization id, for roles granted on the organization (SCC findings). */
  organization?: string;
  /** Values per service and variable (validated against the descriptor's env schema by the caller). */
  env?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Secret Manager secrets per service and variable, mounted with --set-secrets. */
  secrets?: Readonly<Record<string, Readonly<Record<string, SecretReference>>>>;
  /** Cloud Monitoring notification channel for the dead-letter and quarantine alert policies. */
  alertChannel?: string;
  /**
   * A playbook file (validated by the caller with the router's loader), stored as a new Secret Manager
   * version and mounted into the router pinned to it. Needs the router among the services.
   */
  playbooks?: string;
}

export class DeployPlanError extends Error {
  override readonly name = "DeployPlanError";
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
        `projects/${project}/locations/${cluster.location}/clusters/${cluster.name}`,
      ]),
    ),
  );
  // CLUSTERS (the Kubernetes actioners) and GKE_CLUSTERS (scc-exporter) both take this form.
  return { CLUSTERS: map, GKE_CLUSTERS: map };
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

export function deployPlan(all: readonly ServiceDescriptor[], options: DeployOptions): DeployPlan {
  const { project, region } = options;
  for (const name of options.only ?? []) {
    if (!all.some((service) => service.name === name)) {
      throw new DeployPlanError(
        `no service ${JSON.stringify(name)}; services: ${all.map((service) => service.name).join(", ")}`,
      );
    }
  }
  const selected = options.only ? all.filter((service) => options.only?.includes(service.name)) : [...all];
  const whole = selected.length === all.length;
  for (const service of selected) {
    if (service.name.length > MAX_SERVICE_NAME_LENGTH) {
      throw new DeployPlanError(
        `service name ${JSON.stringify(service.name)} is ${service.name.length} characters; at most ${MAX_SERVICE_NAME_LENGTH} fit its service account id riposte-<name> (6–30 characters)`,
      );
    }
  }
  const playbooks = options.playbooks === undefined ? undefined : checkedPlaybooks(selected, options);
  const projectFlag: Flag = ["project", project];
  const email = (service: string) => serviceAccountEmail(service, project);
  const pushAccount = `${PUSH_SERVICE_ACCOUNT_ID}@${project}.iam.gserviceaccount.com`;
  const todos: PlanTodo[] = [];
  const steps: PlanStep[] = [];

  // The topology of every service (endpoints of those not deployed here still resolve by variable).
  const topology = deriveTopology(all, {
    endpointFor: (service, input) => `${planVariable(urlVariable(service))}${input.path}`,
    pushServiceAccount: pushAccount,
  });
  const ownSubscriptions = new Set(
    selected.flatMap((service) =>
      service.inputs.flatMap((input) => {
        const name = subscriptionNameFor(service, input);
        return [name, deadLetterTopicOf(name)];
      }),
    ),
  );
  // A push subscription needs its receiver's URL, which the plan reads only for the services it
  // deploys: it belongs to its receiver (the notifier's dead-letter announcements included).
  const deployedUrls = new Set(selected.map((service) => urlVariable(service.name)));
  const ownsSubscription = (sub: SubscriptionSpec) =>
    sub.push
      ? variablesIn(sub.push.endpoint).every((variable) => deployedUrls.has(variable))
      : ownSubscriptions.has(sub.name);
  const subscriptions = whole ? topology.subscriptions : topology.subscriptions.filter(ownsSubscription);
  const neededTopics = new Set<string>([
    ...subscriptions.map((sub) => sub.topic),
    ...subscriptions.flatMap((sub) => (sub.deadLetter ? [sub.deadLetter.topic] : [])),
    ...selected.flatMap((service) => service.publishes),
  ]);
  const topics = topology.topics.filter((topic) => whole || neededTopics.has(topic.name));

  const reachers = selected.filter(reachesCluster).map((service) => service.name);
  const clusters = options.clusters?.length
    ? options.clusters
    : [{ name: planVariable("CLUSTER_NAME"), location: planVariable("CLUSTER_LOCATION") }];

  // 1. APIs
  const roles = selected.flatMap((service) => service.gcpRoles.map((grant) => grant.role));
  const needsKubernetes = selected.some((service) => service.kubernetes.length > 0);
  const usesSecrets = selected.some(
    (service) => Object.keys(options.secrets?.[service.name] ?? {}).length > 0,
  );
  const apis = [
    "run.googleapis.com",
    "cloudbuild.googleapis.com",
    "artifactregistry.googleapis.com",
    "iam.googleapis.com",
    "pubsub.googleapis.com",
    "cloudtrace.googleapis.com",
    "telemetry.googleapis.com",
    ...(needsKubernetes || roles.some((role) => role.startsWith("roles/container.")) || whole
      ? ["container.googleapis.com"]
      : []),
    ...(roles.some((role) => role.startsWith("roles/securitycenter."))
      ? ["securitycenter.googleapis.com"]
      : []),
    ...(usesSecrets || playbooks ? ["secretmanager.googleapis.com"] : []),
    // Direct VPC egress and the preflight's subnet lookup.
    ...(options.vpc ? ["compute.googleapis.com"] : []),
  ];
  steps.push({
    title: "Enable the APIs",
    why: "Cloud Run builds with Cloud Build into Artifact Registry; Pub/Sub carries every message; the rest follows from the descriptors",
    commands: [{ call: gcloud(["services", "enable"], apis, [projectFlag]) }],
  });
  steps.push({
    title: "Read the project number",
    why: "the Pub/Sub service agent is service-<project number>@gcp-sa-pubsub.iam.gserviceaccount.com",
    commands: [
      {
        call: gcloud(["projects", "describe"], [project], [["format", "value(projectNumber)"]]),
        capture: "PROJECT_NUMBER",
      },
    ],
  });

  // 2. Service accounts
  const accounts: { id: string; description: string }[] = [
    ...selected.map((service) => ({ id: `riposte-${service.name}`, description: service.description })),
    {
      id: PUSH_SERVICE_ACCOUNT_ID,
      description: "Pub/Sub push subscriptions sign their requests as this account",
    },
    ...(whole
      ? [
          {
            id: FALCOSIDEKICK_SERVICE_ACCOUNT_ID,
            description: "falcosidekick publishes Falco alerts to falco-events",
          },
        ]
      : []),
  ];
  steps.push({
    title: "Create the service accounts",
    why: "one identity per service, so each gets exactly its own permissions",
    commands: accounts.map(({ id, description }) => ({
      unless: gcloud(
        ["iam", "service-accounts", "describe"],
        [`${id}@${project}.iam.gserviceaccount.com`],
        [projectFlag],
      ),
      call: gcloud(
        ["iam", "service-accounts", "create"],
        [id],
        [["display-name", displayName(id)], ["description", description], projectFlag],
      ),
    })),
  });

  // 3. Topics
  steps.push({
    title: "Create the topics",
    why: "from the topology: inputs, outputs, quarantine and one dead-letter topic per push subscription",
    commands: topics.map((topic) => ({
      unless: gcloud(["pubsub", "topics", "describe"], [topic.name], [projectFlag]),
      call: gcloud(["pubsub", "topics", "create"], [topic.name], [projectFlag]),
    })),
  });

  // 4. IAM of each service
  const iam: PlanCommand[] = [];
  for (const service of selected) {
    const member = `serviceAccount:${email(service.name)}`;
    for (const topic of service.publishes) {
      iam.push({
        call: gcloud(
          ["pubsub", "topics", "add-iam-policy-binding"],
          [topic],
          [["member", member], ["role", "roles/pubsub.publisher"], projectFlag],
        ),
      });
    }
    for (const grant of service.gcpRoles) iam.push(grantCommand(grant, member, project, options, todos));
    for (const { role } of COMMON_PROJECT_ROLES) {
      iam.push(grantCommand({ role, on: { kind: "project" }, reason: "" }, member, project, options, todos));
    }
    for (const reference of Object.values(options.secrets?.[service.name] ?? {})) {
      iam.push({
        call: gcloud(
          ["secrets", "add-iam-policy-binding"],
          [reference.secret],
          [["member", member], ["role", "roles/secretmanager.secretAccessor"], projectFlag],
        ),
      });
    }
  }
  // `gcloud run deploy --source` builds with Cloud Build as the Compute Engine default service account.
  iam.push(
    grantCommand(
      { role: "roles/run.builder", on: { kind: "project" }, reason: "" },
      `serviceAccount:${planVariable("PROJECT_NUMBER")}-compute@developer.gserviceaccount.com`,
      project,
      options,
      todos,
    ),
  );
  steps.push({
    title: "Grant each service its roles",
    why: "least privilege: publisher on its own output topics only, the roles its descriptor declares, trace writing, its own secrets; run.builder for the account Cloud Build builds with",
    commands: iam,
  });

  // 5. Bundles
  steps.push({
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
  });

  // 6. Playbooks: stored once the router's account exists (it is granted the secret), before the router.
  if (playbooks) steps.push(storePlaybooksStep(playbooks.file, project));

  // 7. Cloud Run
  const deploys: PlanCommand[] = [];
  for (const service of selected) {
    const env = serviceEnv(service, options, todos);
    const secrets = Object.entries(options.secrets?.[service.name] ?? {}).map(
      ([variable, reference]) => `${variable}=${reference.secret}:${reference.version}`,
    );
    if (playbooks && service.name === ROUTER) {
      Object.assign(env, playbooks.settings.env);
      secrets.push(playbooks.settings.secret);
    }
    const runtime = service.runtime;
    deploys.push({
      call: gcloud(
        ["run", "deploy"],
        [service.name],
        [
          ["source", `services/${service.name}`],
          ["region", region],
          projectFlag,
          ["service-account", email(service.name)],
          // Only the push account may call it (run.invoker below); Pub/Sub push counts as internal traffic.
          ["no-allow-unauthenticated"],
          ["ingress", "internal"],
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
          ...(options.vpc && reachesCluster(service)
            ? ([
                ["network", options.vpc.network],
                ["subnet", options.vpc.subnet],
                ["vpc-egress", "private-ranges-only"],
              ] as const)
            : []),
          ["set-env-vars", envVarsFlag(env)],
          ...(secrets.length > 0 ? [["set-secrets", secrets.join(",")] as const] : []),
          ["quiet"],
        ],
      ),
    });
    deploys.push({
      call: gcloud(
        ["run", "services", "describe"],
        [service.name],
        [["region", region], projectFlag, ["format", "value(status.url)"]],
      ),
      capture: urlVariable(service.name),
    });
  }
  steps.push({
    title: "Deploy the services to Cloud Run",
    why: "settings from each descriptor's runtime: concurrency, timeout = push ack deadline, min and max instances, CPU always allocated; VPC egress for those that reach a cluster",
    commands: deploys,
  });

  // 8. Invoker
  steps.push({
    title: "Let the push account invoke the services",
    why: "the services refuse unauthenticated requests; Pub/Sub's OIDC token for the push account passes the IAM check",
    commands: selected.map((service) => ({
      call: gcloud(
        ["run", "services", "add-iam-policy-binding"],
        [service.name],
        [
          ["region", region],
          projectFlag,
          ["member", `serviceAccount:${pushAccount}`],
          ["role", "roles/run.invoker"],
        ],
      ),
    })),
  });

  // 9. Subscriptions
  steps.push({
    title: "Let Pub/Sub sign pushes as the push account",
    why: "the Pub/Sub service agent mints the push account's OIDC tokens (needed explicitly on projects from before April 2021)",
    commands: [
      {
        call: gcloud(
          ["iam", "service-accounts", "add-iam-policy-binding"],
          [pushAccount],
          [
            ["member", pubsubServiceAgent(planVariable("PROJECT_NUMBER"))],
            ["role", "roles/iam.serviceAccountTokenCreator"],
            projectFlag,
          ],
        ),
      },
    ],
  });
  steps.push({
    title: "Create the subscriptions",
    why: "one push subscription per service input (retry policy, dead-letter topic), and a pull subscription on each dead-letter topic and on quarantine",
    commands: subscriptions.map((sub) => ({
      unless: gcloud(["pubsub", "subscriptions", "describe"], [sub.name], [projectFlag]),
      call: gcloud(["pubsub", "subscriptions", "create"], [sub.name], subscriptionFlags(sub, projectFlag)),
    })),
  });
  const agentGrants = serviceAgentGrants({ topics, subscriptions }, planVariable("PROJECT_NUMBER"));
  steps.push({
    title: "Let Pub/Sub dead-letter",
    why: "the Pub/Sub service agent must publish to each dead-letter topic and subscribe to each source subscription",
    commands: agentGrants.map((grant) => ({
      call: gcloud(
        ["pubsub", grant.resource === "topic" ? "topics" : "subscriptions", "add-iam-policy-binding"],
        [grant.name],
        [["member", grant.member], ["role", grant.role], projectFlag],
      ),
    })),
  });
  steps.push(
    alertingStep({
      project,
      subscriptions,
      ...(options.alertChannel ? { alertChannel: options.alertChannel } : {}),
    }),
  );

  // 10. Kubernetes RBAC
  if (needsKubernetes && !options.clusters?.length) {
    todos.push({
      variable: "CLUSTER_NAME",
      hint: "the GKE clusters to answer for: --cluster NAME[:LOCATION] (repeatable; location default --cluster-location, else --region)",
    });
  }
  if (needsKubernetes) {
    const rbacDir = `.riposte/rbac/${project}`;
    steps.push({
      title: "Apply the Kubernetes RBAC",
      why: "each actioner's Google identity gets exactly the Kubernetes verbs its descriptor declares (ClusterRole + binding to the account as a User), in every cluster",
      commands: [
        {
          call: {
            program: "npx",
            path: ["riposte", "rbac", "generate"],
            positionals: [],
            flags: [projectFlag, ["out", rbacDir]],
          },
        },
        ...clusters.flatMap((cluster): PlanCommand[] => [
          {
            call: gcloud(
              ["container", "clusters", "get-credentials"],
              [cluster.name],
              [["location", cluster.location], projectFlag],
            ),
          },
          { call: { program: "kubectl", path: ["apply"], positionals: [], flags: [["filename", rbacDir]] } },
        ]),
      ],
    });
  }

  // 11. falcosidekick's identity
  if (whole) {
    const sidekick = `${FALCOSIDEKICK_SERVICE_ACCOUNT_ID}@${project}.iam.gserviceaccount.com`;
    const { namespace, name } = FALCOSIDEKICK_KUBERNETES_ACCOUNT;
    steps.push({
      title: "Let falcosidekick publish Falco alerts",
      why: `falcosidekick's Kubernetes service account ${namespace}/${name} acts as ${FALCOSIDEKICK_SERVICE_ACCOUNT_ID} (Workload Identity) and may publish to ${Topics.falcoEvents} only; then install Falco (README: Install Falco on GKE)`,
      commands: [
        {
          call: gcloud(
            ["pubsub", "topics", "add-iam-policy-binding"],
            [Topics.falcoEvents],
            [["member", `serviceAccount:${sidekick}`], ["role", "roles/pubsub.publisher"], projectFlag],
          ),
        },
        {
          call: gcloud(
            ["iam", "service-accounts", "add-iam-policy-binding"],
            [sidekick],
            [
              ["member", `serviceAccount:${project}.svc.id.goog[${namespace}/${name}]`],
              ["role", "roles/iam.workloadIdentityUser"],
              projectFlag,
            ],
          ),
        },
      ],
    });
  }

  const preflight: Preflight = {
    project,
    region,
    missing: todos,
    apis,
    projectPermissions: callerPermissions({
      kubernetes: needsKubernetes,
      secrets: usesSecrets,
      playbooks: Boolean(playbooks),
    }),
    ...(options.organization && selected.some(grantsOnOrganization)
      ? { organization: { id: options.organization, permissions: ORGANIZATION_PERMISSIONS } }
      : {}),
    clusters: needsKubernetes && options.clusters ? options.clusters : [],
    reachers,
    ...(options.vpc ? { vpc: options.vpc } : {}),
  };
  const { vpc } = options;
  const notes =
    vpc && reachers.length > 0
      ? (options.clusters ?? []).map(
          (cluster) =>
            `cluster ${cluster.name}: if it has master authorized networks, add subnet ${vpc.subnet}'s range (gcloud compute networks subnets describe ${vpc.subnet} --region=${region} --project=${project} --format='value(ipCidrRange)'); the preflight checks it and prints the command`,
        )
      : [];
  return {
    project,
    region,
    services: selected.map((service) => service.name),
    preflight,
    steps,
    todos,
    notes,
  };
}

/**
 * `--playbooks FILE`: the router must be deployed here, and its playbook variables come from the
 * stored version only (another value would point the router at something else than what was stored).
 */
function checkedPlaybooks(selected: readonly ServiceDescriptor[], options: DeployOptions) {
  const file = options.playbooks as string;
  if (!selected.some((service) => service.name === ROUTER)) {
    throw new DeployPlanError(
      `--playbooks configures the ${ROUTER}, which this plan does not deploy: add --service ${ROUTER}`,
    );
  }
  // In the script the version is the shell variable the store step sets; --apply substitutes it.
  const settings = routerPlaybooksSettings(planVariable(PLAYBOOKS_VERSION_VARIABLE));
  for (const key of Object.keys(settings.env)) {
    const given =
      options.env?.[ROUTER]?.[key] !== undefined
        ? "--env"
        : options.secrets?.[ROUTER]?.[key]
          ? "--secret"
          : undefined;
    if (given) {
      throw new DeployPlanError(
        `--playbooks sets the ${ROUTER}'s ${key} (the stored file and its version): do not give it with ${given} too`,
      );
    }
  }
  return { file, settings };
}

function grantsOnOrganization(service: ServiceDescriptor): boolean {
  return service.gcpRoles.some((grant) => grant.on.kind === "organization");
}

function subscriptionFlags(sub: SubscriptionSpec, projectFlag: Flag): Flag[] {
  const flags: Flag[] = [["topic", sub.topic], projectFlag, ["ack-deadline", String(sub.ackDeadlineSeconds)]];
  if (sub.push) {
    flags.push(["push-endpoint", sub.push.endpoint]);
    if (sub.push.oidcServiceAccount) {
      flags.push(["push-auth-service-account", sub.push.oidcServiceAccount]);
      // Cloud Run checks the token's audience against the service URL; the default audience would be
      // the endpoint with its path (e.g. …/outcomes), so name the service URL itself.
      flags.push(["push-auth-token-audience", sub.push.endpoint.replace(/^(\$\{[A-Z0-9_]+\}).*$/, "$1")]);
    }
  }
  if (sub.retryPolicy) {
    flags.push(["min-retry-delay", `${sub.retryPolicy.minimumBackoffSeconds}s`]);
    flags.push(["max-retry-delay", `${sub.retryPolicy.maximumBackoffSeconds}s`]);
  }
  if (sub.deadLetter) {
    flags.push(["dead-letter-topic", sub.deadLetter.topic]);
    flags.push(["max-delivery-attempts", String(sub.deadLetter.maxDeliveryAttempts)]);
  }
  return flags;
}

function grantCommand(
  grant: GcpRoleGrant,
  member: string,
  project: string,
  options: DeployOptions,
  todos: PlanTodo[],
): PlanCommand {
  const bind: Flag[] = [
    ["member", member],
    ["role", grant.role],
  ];
  switch (grant.on.kind) {
    case "project":
      // --condition=None: add an unconditional binding without prompting when the policy has conditions.
      return {
        call: gcloud(["projects", "add-iam-policy-binding"], [project], [...bind, ["condition", "None"]]),
      };
    case "topic":
      return {
        call: gcloud(
          ["pubsub", "topics", "add-iam-policy-binding"],
          [grant.on.topic],
          [...bind, ["project", project]],
        ),
      };
    case "organization": {
      if (!options.organization && !todos.some((todo) => todo.variable === "ORGANIZATION_ID")) {
        todos.push({
          variable: "ORGANIZATION_ID",
          hint: "the organization id for roles granted on the organization: --organization ORG (gcloud organizations list)",
        });
      }
      return {
        call: gcloud(
          ["organizations", "add-iam-policy-binding"],
          [options.organization ?? planVariable("ORGANIZATION_ID")],
          [...bind, ["condition", "None"]],
        ),
      };
    }
  }
}

/** The service's Cloud Run environment: common values, cluster-derived values, given values, TODOs. */
function serviceEnv(
  service: ServiceDescriptor,
  options: DeployOptions,
  todos: PlanTodo[],
): Record<string, string> {
  const declared = new Set(Object.keys(service.env.shape));
  const common = commonDeployEnv(options.project);
  const env: Record<string, string> = { ...common };
  const derived = clusterDerivedEnv(options.project, options.clusters);
  for (const [key, value] of Object.entries(derived)) if (declared.has(key)) env[key] = value;
  for (const [key, value] of Object.entries(options.env?.[service.name] ?? {})) env[key] = value;
  const secrets = options.secrets?.[service.name] ?? {};
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

function displayName(accountId: string): string {
  return accountId
    .split("-")
    .map((word) => (word === "pubsub" ? "Pub/Sub" : word.charAt(0).toUpperCase() + word.slice(1)))
    .join(" ");
}
