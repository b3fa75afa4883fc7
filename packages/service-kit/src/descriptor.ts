// What a service is, declared once: topology, RBAC manifests, deploy commands and the README's env
// tables are all derived from these descriptors, never written a second time.
import type { z } from "zod";

export interface PushInput {
  /** Topic this input reads, e.g. "pod-killer" or "action-outcomes". */
  topic: string;
  /** HTTP path the push subscription targets, e.g. "/" or "/outcomes". */
  path: string;
  /** Message kinds accepted here (documentation and topology checks). */
  accepts: readonly string[];
}

/** One RBAC rule, as it appears in a ClusterRole. */
export interface KubernetesPermission {
  apiGroups: readonly string[];
  resources: readonly string[];
  verbs: readonly string[];
  /**
   * Granted in this namespace only (a Role and a RoleBinding there), not cluster-wide: e.g. creating
   * Jobs in Riposte's own namespace. Absent: a ClusterRole rule.
   */
  namespace?: string;
  /** Why the service needs it; printed as a comment in the generated manifest. */
  reason: string;
}

/** A GCP IAM role and what it is granted on. */
export interface GcpRoleGrant {
  role: string;
  on: { kind: "project" } | { kind: "organization" } | { kind: "topic"; topic: string };
  reason: string;
}

/**
 * The Cloud Storage buckets the deploy plan knows how to make. A logical id, not a bucket name: the
 * plan creates each one once, names it (e.g. `--evidence-bucket`, default `<project>-riposte-evidence`)
 * and tells each user its name through an environment variable.
 */
export type BucketId = "evidence";

/**
 * The roles a bucket use may name: each adds or reads objects, none deletes or replaces one, lists the
 * bucket or changes its policy. legacyObjectReader is storage.objects.get alone (no list).
 */
export const BUCKET_ROLES = [
  "roles/storage.objectCreator",
  "roles/storage.legacyObjectReader",
  "roles/storage.objectViewer",
] as const;
export type BucketRole = (typeof BUCKET_ROLES)[number];

/** A bucket the service uses: the plan grants `roles` on that bucket only, never on the project. */
export interface BucketUse {
  bucket: BucketId;
  /** The variable (in the service's env schema) the deploy plan sets to the bucket's real name. */
  env: string;
  roles: readonly BucketRole[];
  /** Why the service needs it (printed in the plan). */
  reason: string;
}

/**
 * A Kubernetes workload the service starts (e.g. a Job in Riposte's namespace) that acts as a Google
 * service account of its own (Workload Identity): the plan creates the account, grants it its bucket
 * roles and lets the Kubernetes service account act as it; `riposte rbac generate` emits the namespace
 * and the Kubernetes service account, annotated with the Google one.
 */
export interface WorkloadIdentity {
  /** The Kubernetes service account the workload runs as, e.g. riposte-node-capture. */
  kubernetesServiceAccount: string;
  /** Its namespace, e.g. riposte. */
  namespace: string;
  /** The Google service account's id (6–30 characters), e.g. riposte-node-capture. */
  gcpServiceAccountId: string;
  /** Roles it gets, each on its bucket only. */
  buckets: readonly { bucket: BucketId; roles: readonly BucketRole[] }[];
  reason: string;
}

/**
 * A service people open in a browser (the console): the deploy plan puts it behind a global external
 * Application Load Balancer on the domain it is given, with Identity-Aware Proxy on every path except
 * `publicPaths`, and sets `iapAudienceEnv` to the audience of IAP's signed header so that the service
 * checks every request's assertion itself (a request that bypassed IAP carries none).
 */
export interface WebFront {
  /** The variable (in the env schema) the plan sets to `/projects/NUMBER/global/backendServices/ID`. */
  iapAudienceEnv: string;
  /** A variable the plan sets to the origin people open, `https://DOMAIN` (where its forms come from). */
  originEnv?: string;
  /** Values the plan pins, e.g. the authentication mode: never left to a default, refused from --env. */
  pinnedEnv: Readonly<Record<string, string>>;
  /**
   * Path prefixes routed around IAP to the same service, e.g. `/slack/*` (Slack's POST carries no Google
   * identity, so IAP could only refuse it): each must authenticate its caller itself.
   */
  publicPaths: readonly { path: `/${string}/*`; reason: string }[];
}

/**
 * A variable holding a credential (a signing secret, a bot token): the deploy plan mounts it from
 * Secret Manager (`secret`, its latest version, unless --secret names another) and grants the service
 * secretAccessor on that secret only; a value given with --env is refused, so none is ever printed.
 */
export interface SecretVariable {
  env: string;
  /** The Secret Manager secret's id. */
  secret: string;
  /** What it holds and where to find it (printed when the secret is missing). */
  reason: string;
}

export interface RuntimeSettings {
  /** Push ack deadline = Cloud Run request timeout; handlers must finish well within it. */
  ackDeadlineSeconds: number;
  /** Cloud Run concurrency (requests per instance). */
  concurrency: number;
  /** Warm instances: the first responders cannot wait for a cold start. */
  minInstances: number;
  maxInstances?: number;
  /** Retries of a push the service did not ack: the push subscriptions' retry and dead-letter policies. */
  redelivery: RedeliveryPolicy;
  /**
   * CPU stays allocated between requests (Cloud Run `--no-cpu-throttling`): for services whose timers
   * must fire while no request is in flight. Billed per instance-second instead of per request.
   */
  cpuAlwaysAllocated?: boolean;
}

/** How Pub/Sub redelivers a push the service did not ack, and when it gives up (dead-letters it). */
export interface RedeliveryPolicy {
  /** Delay before the first redelivery; it grows exponentially from here (Pub/Sub allows 0–600 s). */
  minimumBackoffSeconds: number;
  /** The longest delay between two deliveries (0–600 s). */
  maximumBackoffSeconds: number;
  /** Dead-letter after this many deliveries (5–100). */
  maxDeliveryAttempts: number;
}

/** No message may dead-letter before its retries have spanned this long: outages of minutes are normal. */
export const MIN_REDELIVERY_SPAN_SECONDS = 600;

/**
 * The least time from a message's first delivery to its dead-lettering, when every delivery fails at
 * once (a 503 in milliseconds; a delivery that times out adds its ack deadline on top). Modelled as
 * Pub/Sub's exponential backoff doubling from the minimum up to the maximum. That is an approximation:
 * Pub/Sub documents only "exponential" and applies it best-effort ("the delay can be more or less than
 * configured"), and counts delivery attempts approximately; so policies keep a margin above what they
 * must cover, and their plateau at the maximum backoff carries most of the span.
 */
export function redeliverySpanSeconds(policy: RedeliveryPolicy): number {
  let span = 0;
  for (let retry = 1; retry < policy.maxDeliveryAttempts; retry += 1) {
    span += Math.min(policy.maximumBackoffSeconds, policy.minimumBackoffSeconds * 2 ** (retry - 1));
  }
  return span;
}

/**
 * Work due later, triggered from outside: Cloud Scheduler posts to `path` on `cron` with an OIDC token
 * (the deploy plan makes the job), and `riposte dev` posts to it locally every `everySeconds`.
 */
export interface ScheduledCallSpec {
  path: `/scheduled/${string}`;
  /** The Cloud Scheduler job's schedule (unix-cron). */
  cron: string;
  /** The same schedule as an interval, for the local timer. */
  everySeconds: number;
}

export interface ServiceDescriptor<Env extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  /**
   * `riposte dev` serves this service on RIPOSTE_PORT_BASE + this offset. Written once per service and
   * never reused, so adding a service moves no other one's port; unique across services (checked when
   * the services are loaded). 5 is left free: 8080 + 5 is the local Pub/Sub emulator's default port.
   */
  localPortOffset: number;
  inputs: readonly PushInput[];
  /**
   * Receives dead letters: the topology pushes the dead-letter topic of every input (of any service)
   * accepting one of `of` to `path` (the notifier announces them as failed actions).
   */
  deadLetterInput?: { path: string; of: readonly string[] };
  /** Its scheduled calls (the deploy plan's Cloud Scheduler jobs, `riposte dev`'s timers). */
  scheduled?: readonly ScheduledCallSpec[];
  /** Topics this service publishes to; it gets publisher on exactly these. */
  publishes: readonly string[];
  kubernetes: readonly KubernetesPermission[];
  gcpRoles: readonly GcpRoleGrant[];
  /** Cloud Storage buckets it writes or reads (created by the deploy plan, granted on the bucket only). */
  buckets?: readonly BucketUse[];
  /** Kubernetes workloads it launches that act as Google accounts of their own (Workload Identity). */
  workloadIdentities?: readonly WorkloadIdentity[];
  /** Served to people through Identity-Aware Proxy on an external Application Load Balancer. */
  web?: WebFront;
  /** Its credentials, each from a Secret Manager secret. */
  secretEnv?: readonly SecretVariable[];
  /** Google APIs it calls beyond those every service uses (the deploy plan enables them). */
  apis?: readonly { api: string; reason: string }[];
  /**
   * Google Workspace admin roles its service account needs (e.g. Groups Reader): no deploy plan can
   * assign one, so the plan names each as a step for a Workspace admin.
   */
  workspaceAdminRoles?: readonly { role: string; reason: string }[];
  /** The service's own environment variables (the kit's common ones are added by startService). */
  env: Env;
  /**
   * Values a deployment must supply beyond the variables whose schema has no default: each entry lists
   * variables of which at least one must be set (e.g. a destination given one of two ways). Locally
   * `localEnv` supplies them; the deploy plan's preflight stops before anything changes without them.
   */
  requiredAtDeploy?: readonly (readonly string[])[];
  runtime: RuntimeSettings;
  /** Environment for `riposte dev`: points the service at the local stand-ins. */
  localEnv?: (local: LocalEnvironment) => Record<string, string>;
}

/** What `riposte dev` runs locally, for services to point at. */
export interface LocalEnvironment {
  /** The simulated cluster's API server URL (plain HTTP, anonymous full access). */
  kubernetesUrl: string;
  /** The Slack stand-in's webhook URL (or SLACK_WEBHOOK_URL when the user set one). */
  slackWebhookUrl: string;
  /** A generic (SOAR) webhook URL on the stand-in. */
  webhookUrl: string;
  /** host:port of the SCC stand-in (insecure gRPC). */
  sccEndpoint: string;
  /** The "Riposte" source created on the SCC stand-in: `organizations/O/sources/S`. */
  sccSourceName: string;
  /** OTLP/HTTP traces endpoint of the local collector. */
  otlpEndpoint?: string;
  /**
   * The Cloud Storage stand-in's URL (`http://127.0.0.1:PORT`), as STORAGE_EMULATOR_HOST takes it.
   * Optional: only `riposte dev` starts the stand-in; other local runs (tests, bench) may not.
   */
  storageEndpoint?: string;
  /** The bucket `riposte dev` creates on the storage stand-in for evidence bundles. */
  evidenceBucket?: string;
  /**
   * Slack's side of approvals on the stand-in (`riposte dev` only): its Web API (users.info), the base
   * of the response_url it hands out, the bot token it accepts, and this run's signing secret, with
   * which a click is signed as Slack signs it.
   */
  slackInteractivity?: {
    apiUrl: string;
    responseUrlBase: string;
    botToken: string;
    signingSecret: string;
  };
}

/**
 * For services that act on an alert (the router; the actioners take the actioner kit's
 * ACTIONER_REDELIVERY, this with 5 more deliveries for ordered commands): the first retry after
 * 1 s, because the attacker's shell lives until the action lands; then doubling to one a minute, 20
 * deliveries in all: ~14 min (843 s) before dead-lettering, so an API-server blip, a throttled API or
 * a restarted service is outlasted. (Even if Pub/Sub's backoff grew by 1.5× instead of 2×, ~11 min.)
 */
export const RESPONDER_REDELIVERY: RedeliveryPolicy = {
  minimumBackoffSeconds: 1,
  maximumBackoffSeconds: 60,
  maxDeliveryAttempts: 20,
};

export const DEFAULT_RUNTIME: RuntimeSettings = {
  // Long enough for a Kubernetes call with retries, short enough that a stuck push is retried soon.
  ackDeadlineSeconds: 30,
  // Handlers are I/O bound; 80 is Cloud Run's default and leaves headroom for bursts.
  concurrency: 80,
  minInstances: 0,
  redelivery: RESPONDER_REDELIVERY,
};

/** The subscription feeding `input`: the service's first input is `<service>`, others `<service>-<topic>`. */
export function subscriptionNameFor(
  descriptor: Pick<ServiceDescriptor, "name" | "inputs">,
  input: PushInput,
): string {
  return descriptor.inputs[0] === input ? descriptor.name : `${descriptor.name}-${input.topic}`;
}

/**
 * Whether Pub/Sub pushes to the service (an input or dead letters), so its redelivery policy applies.
 * One that only people and Cloud Scheduler call (the console) has no subscription to retry.
 */
export function isPushed(descriptor: Pick<ServiceDescriptor, "inputs" | "deadLetterInput">): boolean {
  return descriptor.inputs.length > 0 || descriptor.deadLetterInput !== undefined;
}
