// The deploy plan: every command that puts Riposte on a Google Cloud project, derived from the service
// descriptors, the topology derived from them, and their RBAC — never a hand-written list. Order:
// APIs → service accounts → topics → IAM → (ledger) → (evidence bucket) → bundles → (playbooks) → Cloud Run → invoker → subscriptions →
// dead-letter grants → alert policies → Kubernetes RBAC → falcosidekick's identity and/or the log sink
// (--ingest). Services are
// deployed before their subscriptions because a push endpoint is the service's URL, which exists only
// once it is deployed: the plan reads it with `gcloud run services describe` instead of guessing its form.
// Each step is one function of ./steps, given the PlanContext computed once here.

import type { ServiceDescriptor } from "@riposte/service-kit";
import { accountEmail } from "../rbac.js";
import type { DeployPlan, FileDigest, Flag, PlanStep } from "./commands.js";
import { planVariable } from "./commands.js";
import {
  callerPermissions,
  type GkeCluster,
  type MountedSecret,
  ORGANIZATION_PERMISSIONS,
  type Preflight,
  type VpcEgress,
} from "./preflight.js";
import { bundlesStep, cloudRunStep, reachesCluster } from "./steps/cloud-run.js";
import { DeployPlanError, type PlanContext } from "./steps/context.js";
import {
  checkStorageDeclarations,
  evidenceSteps,
  plannedBuckets,
  workloadIdentitiesOf,
} from "./steps/evidence.js";
import { falcosidekickSteps } from "./steps/falcosidekick.js";
import { invokerStep, PUSH_SERVICE_ACCOUNT_ID, serviceAccountsStep, serviceIamStep } from "./steps/iam.js";
import { kubernetesRbacSteps } from "./steps/kubernetes.js";
import {
  ledgerStep,
  plannedLedgerDatabases,
  scheduledCallsOf,
  schedulerStep,
  usesLedger,
} from "./steps/ledger.js";
import { type IngestPath, ingestsByLogging, logSinkSteps } from "./steps/log-sink.js";
import { checkedPlaybooks, storePlaybooksSteps } from "./steps/playbooks.js";
import { checkDeclaredApis, enableApisStep, projectNumberStep, requiredApis } from "./steps/project.js";
import {
  alertPoliciesStep,
  deadLetterGrantsStep,
  plannedPubSub,
  pushSigningStep,
  subscriptionsStep,
  topicsStep,
} from "./steps/pubsub.js";
import { checkSecretEnv, secretsOf } from "./steps/secrets.js";
import { checkWebFront, webBackendsStep, webFrontStep, webNotes, webServiceOf } from "./steps/web-front.js";
import { checkConsoleUsers, checkDeployOptions } from "./validate.js";

export {
  clusterDerivedEnv,
  commonDeployEnv,
  envVarsFlag,
  reachesCluster,
  requiredAtDeploy,
  requiredEnv,
  urlVariable,
} from "./steps/cloud-run.js";
export { DeployPlanError } from "./steps/context.js";
export { DEFAULT_EVIDENCE_RETENTION, evidenceBucketName } from "./steps/evidence.js";
export { FALCOSIDEKICK_KUBERNETES_ACCOUNT, FALCOSIDEKICK_SERVICE_ACCOUNT_ID } from "./steps/falcosidekick.js";
export { COMMON_PROJECT_ROLES, PUSH_SERVICE_ACCOUNT_ID } from "./steps/iam.js";
export { FALCO_LOG_SINK, INGEST_PATHS, type IngestPath } from "./steps/log-sink.js";
export type { GkeCluster, VpcEgress };

/** Service account ids are 6–30 characters: `riposte-` leaves 22 for the service name. */
export const MAX_SERVICE_NAME_LENGTH = 30 - "riposte-".length;

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
   * A playbook file validated by the caller with the router's loader, and the sha256 it had then: stored
   * as a new Secret Manager version (only while it still has that sha256) and mounted into the router
   * pinned to it. Needs the router among the services.
   */
  playbooks?: FileDigest;
  /** How Falco's alerts reach falco-events (default sidekick): falcosidekick, a Cloud Logging sink, or both. */
  ingest?: IngestPath;
  /** Where the ledger's Firestore database is created (default: the region), e.g. eur3. */
  firestoreLocation?: string;
  /** The evidence bucket's name (default `<project>-riposte-evidence`), when a service declares it. */
  evidenceBucket?: string;
  /** The evidence bucket's retention period in days, e.g. 30d (the default). */
  evidenceRetention?: string;
  /** The host name of the service with a web front (the console): its certificate and Slack's Request URL. */
  consoleDomain?: string;
  /** Who may open it through IAP: `user:EMAIL` and `group:EMAIL` only (checked, case folded). */
  consoleUsers?: readonly string[];
}

export function deployPlan(all: readonly ServiceDescriptor[], options: DeployOptions): DeployPlan {
  const ctx = planContext(all, options);
  // In this order; the steps that find a missing value add it to ctx.todos as they go.
  const steps: PlanStep[] = [
    enableApisStep(ctx),
    projectNumberStep(ctx),
    serviceAccountsStep(ctx),
    topicsStep(ctx),
    serviceIamStep(ctx),
    ...ledgerStep(ctx),
    ...evidenceSteps(ctx),
    bundlesStep(ctx),
    ...storePlaybooksSteps(ctx),
    ...webBackendsStep(ctx),
    cloudRunStep(ctx),
    invokerStep(ctx),
    ...webFrontStep(ctx),
    ...schedulerStep(ctx),
    pushSigningStep(ctx),
    subscriptionsStep(ctx),
    deadLetterGrantsStep(ctx),
    alertPoliciesStep(ctx),
    ...kubernetesRbacSteps(ctx),
    ...falcosidekickSteps(ctx),
    ...logSinkSteps(ctx),
  ];
  return {
    project: ctx.project,
    region: ctx.region,
    services: ctx.selected.map((service) => service.name),
    preflight: preflightOf(ctx),
    steps,
    todos: ctx.todos,
    notes: notesOf(ctx),
  };
}

/** Everything the steps share, computed once; throws DeployPlanError on options that make no plan. */
function planContext(all: readonly ServiceDescriptor[], given: DeployOptions): PlanContext {
  checkDeployOptions(given);
  const options: DeployOptions = given.consoleUsers
    ? { ...given, consoleUsers: checkConsoleUsers(given.consoleUsers) }
    : given;
  const { project, region } = options;
  const selected = selectedServices(all, options);
  checkStorageDeclarations(selected);
  checkSecretEnv(selected, options);
  checkWebFront(selected);
  checkDeclaredApis(selected);
  const whole = selected.length === all.length;
  const projectFlag: Flag = ["project", project];
  const shared = {
    options,
    project,
    region,
    projectFlag,
    selected,
    whole,
    playbooks:
      options.playbooks === undefined ? undefined : checkedPlaybooks(options.playbooks, selected, options),
    pushAccount: accountEmail(PUSH_SERVICE_ACCOUNT_ID, project),
    // Kubernetes verbs (RBAC), or workloads with their own namespace and Kubernetes service account.
    needsKubernetes: selected.some(
      (service) => service.kubernetes.length > 0 || (service.workloadIdentities?.length ?? 0) > 0,
    ),
    usesSecrets: selected.some((service) => Object.keys(secretsOf(service, options)).length > 0),
  };
  return {
    ...shared,
    ...plannedPubSub(all, shared),
    apis: requiredApis(shared),
    reachers: selected.filter(reachesCluster).map((service) => service.name),
    clusters: options.clusters?.length
      ? options.clusters
      : [{ name: planVariable("CLUSTER_NAME"), location: planVariable("CLUSTER_LOCATION") }],
    todos: [],
  };
}

/** The services of `options.only` (default: all), each known and short enough for its account id. */
function selectedServices(all: readonly ServiceDescriptor[], options: DeployOptions): ServiceDescriptor[] {
  for (const name of options.only ?? []) {
    if (!all.some((service) => service.name === name)) {
      throw new DeployPlanError(
        `no service ${JSON.stringify(name)}; services: ${all.map((service) => service.name).join(", ")}`,
      );
    }
  }
  const selected = options.only ? all.filter((service) => options.only?.includes(service.name)) : [...all];
  for (const service of selected) {
    if (service.name.length > MAX_SERVICE_NAME_LENGTH) {
      throw new DeployPlanError(
        `service name ${JSON.stringify(service.name)} is ${service.name.length} characters; at most ${MAX_SERVICE_NAME_LENGTH} fit its service account id riposte-<name> (6–30 characters)`,
      );
    }
  }
  return selected;
}

function preflightOf(ctx: PlanContext): Preflight {
  const { options, selected, needsKubernetes } = ctx;
  return {
    project: ctx.project,
    region: ctx.region,
    missing: ctx.todos,
    apis: ctx.apis,
    projectPermissions: callerPermissions({
      kubernetes: needsKubernetes,
      secrets: ctx.usesSecrets,
      playbooks: Boolean(ctx.playbooks),
      logSink: ctx.whole && ingestsByLogging(options.ingest),
      ledger: selected.some(usesLedger),
      scheduler: scheduledCallsOf(selected).length > 0,
      buckets: plannedBuckets(ctx).length > 0,
      workloadIdentities: workloadIdentitiesOf(selected).length > 0,
      webFront: webServiceOf(selected) !== undefined,
    }),
    ...(options.organization && selected.some(grantsOnOrganization)
      ? { organization: { id: options.organization, permissions: ORGANIZATION_PERMISSIONS } }
      : {}),
    clusters: needsKubernetes && options.clusters ? options.clusters : [],
    reachers: ctx.reachers,
    ...(options.vpc ? { vpc: options.vpc } : {}),
    secrets: mountedSecrets(ctx),
    files: ctx.playbooks ? [ctx.playbooks.file] : [],
    ledgerDatabases: plannedLedgerDatabases(ctx),
    buckets: plannedBuckets(ctx).map((name) => ({ name })),
  };
}

/** The secrets the selected services mount: --secret references and their declared credentials. */
function mountedSecrets({ options, selected }: PlanContext): MountedSecret[] {
  return selected.flatMap((service) =>
    Object.entries(secretsOf(service, options)).map(([variable, { secret, version }]) => {
      const declared = service.secretEnv?.find((entry) => entry.env === variable && entry.secret === secret);
      return {
        service: service.name,
        variable,
        secret,
        version,
        ...(declared ? { holds: declared.reason } : {}),
      };
    }),
  );
}

/** What the operator does outside the plan: a private cluster's authorized networks, the web front's DNS. */
function notesOf(ctx: PlanContext): string[] {
  const { options, reachers, region, project } = ctx;
  const { vpc } = options;
  const clusterNotes =
    vpc && reachers.length > 0
      ? (options.clusters ?? []).map(
          (cluster) =>
            `cluster ${cluster.name}: if it has master authorized networks, add subnet ${vpc.subnet}'s range (gcloud compute networks subnets describe ${vpc.subnet} --region=${region} --project=${project} --format='value(ipCidrRange)'); the preflight checks it and prints the command`,
        )
      : [];
  return [...clusterNotes, ...webNotes(ctx)];
}

function grantsOnOrganization(service: ServiceDescriptor): boolean {
  return service.gcpRoles.some((grant) => grant.on.kind === "organization");
}
