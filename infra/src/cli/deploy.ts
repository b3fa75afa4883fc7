// `riposte deploy plan`: prints every command that deploys Riposte to a Google Cloud project (derived
// from the service descriptors), or runs them with --apply after a confirmation.
import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { commonEnvSchema, type ServiceDescriptor } from "@riposte/service-kit";
import { applyPlan, type CommandRunner, spawnRunner } from "../deploy/apply.js";
import type { FileDigest } from "../deploy/commands.js";
import {
  DEFAULT_EVIDENCE_RETENTION,
  type DeployOptions,
  deployPlan,
  type GkeCluster,
  INGEST_PATHS,
  type IngestPath,
  type SecretReference,
} from "../deploy/plan.js";
import { checkPlaybookFile, PLAYBOOKS_SECRET, PlaybookFileError, ROUTER } from "../deploy/playbooks.js";
import { renderPlan, shellWord } from "../deploy/shell.js";
import { credentialGivenAsValue } from "../deploy/steps/secrets.js";
import { checkPlanFlags, MAX_EVIDENCE_RETENTION_DAYS } from "../deploy/validate.js";
import { loadServices, repoRoot } from "../services.js";
import { type Command, parseCommandArgs, UsageError } from "./command.js";

const usage = `Usage: riposte deploy plan --project P --region R [options]

Prints the commands that deploy Riposte to project P, derived from the service descriptors: APIs,
one service account per service, topics, least-privilege IAM, bundles, \`gcloud run deploy\` per
service, run.invoker for the push account, push subscriptions with dead-letter topics, the
incident ledger's Firestore database (TTL policies, datastore.user for its users), the Cloud
Scheduler jobs of the scheduled calls, the console behind Identity-Aware Proxy on an external
Application Load Balancer (its Slack path outside IAP), the Kubernetes RBAC, and falcosidekick's
identity. The output is a bash script (run it from the repository root); values still unknown are
listed as TODO at its top.

Options:
  --project P                       Google Cloud project id (required)
  --region R                        Cloud Run region, e.g. europe-west1 (required)
  --service S                       only this service (repeatable)
  --cluster NAME[:LOCATION]         a GKE cluster Falco watches (repeatable): RBAC goes to each, and
                                    CLUSTERS maps each NAME (falcosidekick's cluster
                                    field) to it; LOCATION is its region or zone
  --cluster-location L              location of clusters given without one (default: --region)
  --network N --subnet S            Direct VPC egress (private ranges only) for the services that
                                    call a cluster's API server: private clusters (README)
  --organization ORG                organization id, for roles granted on the organization (SCC)
  --env [SERVICE:]KEY=VALUE         a service's environment value (repeatable; without SERVICE,
                                    every service declaring KEY), checked against its schema
  --secret SERVICE:KEY=SECRET[:V]   a Secret Manager secret as KEY (repeatable; version V, default latest)
  --alert-channel CHANNEL           Cloud Monitoring notification channel (projects/P/notificationChannels/ID)
                                    for the alert policies on dead letters and quarantine
  --playbooks FILE                  the router's playbooks: validated with the router's own loader
                                    (nothing is printed or run when invalid), stored as a new version
                                    of the secret ${PLAYBOOKS_SECRET}, mounted into the router pinned to it
  --ingest sidekick|logging|both    how Falco's alerts reach falco-events (default sidekick): falcosidekick's
                                    identity may publish there; logging: a Cloud Logging sink on Falco's
                                    container logs publishes there instead (no falcosidekick); both: the two
  --firestore-location L            where the incident ledger's Firestore database is created, e.g.
                                    eur3 or nam5 (default: --region)
  --evidence-bucket NAME            the evidence bucket, created when a service declares it (default
                                    P-riposte-evidence; in --region, uniform access, never public)
  --evidence-retention Nd           its retention policy: no object can be deleted or replaced before
                                    it is N days old (default ${DEFAULT_EVIDENCE_RETENTION}, at most ${MAX_EVIDENCE_RETENTION_DAYS}d)
  --console-domain HOST             the console's host name: its load balancer's certificate is issued
                                    for it, Slack's Request URL is https://HOST/slack/interactions
  --console-users LIST              who may open the console through IAP: user:EMAIL and group:EMAIL,
                                    comma-separated or repeated (nothing wider: no allUsers, domain:)
  --apply                           run the commands, after a y/N confirmation
  --yes                             with --apply: do not ask (required without a terminal)`;

export interface DeployCommandDeps {
  loadDescriptors(): Promise<ServiceDescriptor[]>;
  runner: CommandRunner;
  isInteractive(): boolean;
  confirm(question: string): Promise<boolean>;
  out(text: string): void;
}

export function createDeployCommand(deps: DeployCommandDeps): Command {
  return {
    name: "deploy",
    summary: "print (or --apply) the commands that deploy Riposte to Google Cloud",
    usage,
    async run(args) {
      const { values, positionals } = parseCommandArgs({ usage }, args, {
        project: { type: "string" },
        region: { type: "string" },
        service: { type: "string", multiple: true },
        cluster: { type: "string", multiple: true },
        network: { type: "string" },
        subnet: { type: "string" },
        "cluster-location": { type: "string" },
        organization: { type: "string" },
        env: { type: "string", multiple: true },
        secret: { type: "string", multiple: true },
        "alert-channel": { type: "string" },
        playbooks: { type: "string" },
        ingest: { type: "string" },
        "firestore-location": { type: "string" },
        "evidence-bucket": { type: "string" },
        "evidence-retention": { type: "string" },
        "console-domain": { type: "string" },
        "console-users": { type: "string", multiple: true },
        apply: { type: "boolean" },
        yes: { type: "boolean" },
      });
      if (values.help) {
        deps.out(usage);
        return 0;
      }
      if (positionals[0] !== "plan" || positionals.length > 1) {
        throw new UsageError(`expected \`deploy plan\`\n\n${usage}`);
      }
      if (!values.project) throw new UsageError(`--project is required\n\n${usage}`);
      if (!values.region) throw new UsageError(`--region is required\n\n${usage}`);
      if (values["cluster-location"] && !values.cluster) {
        throw new UsageError("--cluster-location needs --cluster NAME");
      }
      if (Boolean(values.network) !== Boolean(values.subnet)) {
        throw new UsageError("--network and --subnet go together (Direct VPC egress needs both)");
      }
      const vpc =
        values.network && values.subnet ? { network: values.network, subnet: values.subnet } : undefined;
      const consoleUsers = values["console-users"]?.flatMap((list) => list.split(","));
      checkedFlags({
        project: values.project,
        region: values.region,
        organization: values.organization,
        vpc,
        firestoreLocation: values["firestore-location"],
        evidenceBucket: values["evidence-bucket"],
        evidenceRetention: values["evidence-retention"],
        consoleDomain: values["console-domain"],
        consoleUsers,
      });
      // Before anything else: a plan is never printed nor run with a file the router would refuse.
      const playbooks = values.playbooks ? checkedPlaybookFile(values.playbooks, values.service) : undefined;
      const descriptors = await deps.loadDescriptors();
      const options: DeployOptions = {
        project: values.project,
        region: values.region,
        ...(values.service ? { only: values.service } : {}),
        ...(values.cluster
          ? {
              clusters: parseClusterOptions(values.cluster, values["cluster-location"] ?? values.region),
            }
          : {}),
        ...(vpc ? { vpc } : {}),
        ...(values.organization ? { organization: values.organization } : {}),
        env: parseEnvOptions(values.env ?? [], descriptors),
        secrets: parseSecretOptions(values.secret ?? [], descriptors),
        ...(values["alert-channel"] ? { alertChannel: values["alert-channel"] } : {}),
        ...(playbooks ? { playbooks } : {}),
        ...(values.ingest ? { ingest: parseIngestOption(values.ingest) } : {}),
        ...(values["firestore-location"] ? { firestoreLocation: values["firestore-location"] } : {}),
        ...(values["evidence-bucket"] !== undefined ? { evidenceBucket: values["evidence-bucket"] } : {}),
        ...(values["evidence-retention"] !== undefined
          ? { evidenceRetention: values["evidence-retention"] }
          : {}),
        ...(values["console-domain"] !== undefined ? { consoleDomain: values["console-domain"] } : {}),
        ...(consoleUsers ? { consoleUsers } : {}),
      };
      let plan: ReturnType<typeof deployPlan>;
      try {
        plan = deployPlan(descriptors, options);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const invocation = ["riposte", "deploy", ...args.filter((arg) => arg !== "--apply" && arg !== "--yes")]
        .map(shellWord)
        .join(" ");
      deps.out(renderPlan(plan, invocation));
      if (!values.apply) return 0;

      if (plan.todos.length > 0) {
        throw new UsageError(
          `--apply: supply the TODO values first (${plan.todos.map((todo) => todo.variable).join(", ")})`,
        );
      }
      if (!values.yes) {
        if (!deps.isInteractive()) {
          throw new UsageError("--apply without a terminal needs --yes (nothing was run)");
        }
        const commands = plan.steps.reduce((sum, step) => sum + step.commands.length, 0);
        if (!(await deps.confirm(`Run these ${commands} commands against project ${plan.project}? [y/N] `))) {
          deps.out("Nothing was run.");
          return 1;
        }
      }
      const report = await applyPlan(plan, deps.runner, deps.out);
      deps.out(`Done: ${report.ran} commands run, ${report.skipped} skipped (already there).`);
      return 0;
    },
  };
}

/** The flags that name Google Cloud things have their form (they end up in the script). */
function checkedFlags(flags: Parameters<typeof checkPlanFlags>[0]): void {
  try {
    checkPlanFlags(flags);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * `--playbooks FILE`: refused when --service leaves the router out, or when the router's own loader
 * refuses the file (its problems as file:line:column). Returns the absolute path the plan stores and
 * the sha256 of the bytes validated (the plan stores the file only while it still has it).
 */
function checkedPlaybookFile(file: string, services: readonly string[] | undefined): FileDigest {
  if (services && !services.includes(ROUTER)) {
    throw new UsageError(
      `--playbooks configures the ${ROUTER}, which --service leaves out: add --service ${ROUTER}`,
    );
  }
  try {
    return checkPlaybookFile(resolve(file));
  } catch (error) {
    if (!(error instanceof PlaybookFileError)) throw error;
    throw new UsageError(`${error.message}\n${file} is invalid: nothing was run`);
  }
}

const CLUSTER = /^([a-z](?:[a-z0-9-]{0,38}[a-z0-9])?)(?::([a-z]+(?:-[a-z0-9]+)+))?$/;

/** `--ingest sidekick|logging|both`. */
export function parseIngestOption(value: string): IngestPath {
  const path = INGEST_PATHS.find((candidate) => candidate === value);
  if (path === undefined) {
    throw new UsageError(`--ingest expects ${INGEST_PATHS.join("|")}, got ${JSON.stringify(value)}`);
  }
  return path;
}

/** `--cluster NAME[:LOCATION]`, repeatable; each name once. */
export function parseClusterOptions(entries: readonly string[], defaultLocation: string): GkeCluster[] {
  const clusters: GkeCluster[] = [];
  for (const entry of entries) {
    const match = CLUSTER.exec(entry);
    if (!match) {
      throw new UsageError(
        `--cluster expects NAME[:LOCATION] (a GKE cluster name, a region or zone), got ${JSON.stringify(entry)}`,
      );
    }
    const [, name = "", location = defaultLocation] = match;
    if (clusters.some((cluster) => cluster.name === name)) {
      throw new UsageError(`--cluster ${name} is given twice (alerts name a cluster by its name alone)`);
    }
    clusters.push({ name, location });
  }
  return clusters;
}

const SERVICE_ENV = /^(?:([a-z][a-z0-9-]*):)?([A-Z][A-Z0-9_]*)=([\s\S]*)$/;

type FieldSchema = {
  safeParse(value: unknown): { success: boolean; error?: { issues: { message: string }[] } };
};

function fieldsOf(descriptor: ServiceDescriptor): Record<string, FieldSchema> {
  return { ...commonEnvSchema.shape, ...descriptor.env.shape } as Record<string, FieldSchema>;
}

/** `--env [SERVICE:]KEY=VALUE` per service, each value checked against the variable's schema. */
export function parseEnvOptions(
  entries: readonly string[],
  descriptors: readonly ServiceDescriptor[],
): Record<string, Record<string, string>> {
  const env: Record<string, Record<string, string>> = {};
  for (const entry of entries) {
    const match = SERVICE_ENV.exec(entry);
    if (!match) throw new UsageError(`--env expects [SERVICE:]KEY=VALUE, got ${JSON.stringify(entry)}`);
    const [, service, key = "", value = ""] = match;
    const targets = service
      ? descriptors.filter((descriptor) => descriptor.name === service)
      : descriptors.filter((descriptor) => key in fieldsOf(descriptor));
    if (service && targets.length === 0) {
      throw new UsageError(`--env ${entry}: no service ${JSON.stringify(service)}`);
    }
    // Before any message that repeats the entry: its value may be a credential.
    for (const descriptor of targets) {
      const credential = descriptor.secretEnv?.find((declared) => declared.env === key);
      if (credential) throw new UsageError(credentialGivenAsValue(descriptor.name, key, credential.secret));
    }
    if (targets.length === 0) throw new UsageError(`--env ${entry}: no service declares ${key}`);
    for (const descriptor of targets) {
      const fields = fieldsOf(descriptor);
      const schema = fields[key];
      if (!schema) {
        throw new UsageError(
          `--env ${entry}: ${descriptor.name} has no variable ${key} (it reads ${Object.keys(fields).join(", ")})`,
        );
      }
      const checked = schema.safeParse(value);
      if (!checked.success) {
        throw new UsageError(
          `--env ${entry}: ${descriptor.name} ${key}: ${checked.error?.issues.map((issue) => issue.message).join("; ")} (got ${JSON.stringify(value)})`,
        );
      }
      env[descriptor.name] = { ...env[descriptor.name], [key]: value };
    }
  }
  return env;
}

const SERVICE_SECRET = /^([a-z][a-z0-9-]*):([A-Z][A-Z0-9_]*)=([A-Za-z0-9_-]+)(?::([0-9]+|latest))?$/;

/** `--secret SERVICE:KEY=SECRET[:VERSION]`. */
export function parseSecretOptions(
  entries: readonly string[],
  descriptors: readonly ServiceDescriptor[],
): Record<string, Record<string, SecretReference>> {
  const secrets: Record<string, Record<string, SecretReference>> = {};
  for (const entry of entries) {
    const match = SERVICE_SECRET.exec(entry);
    if (!match) {
      throw new UsageError(`--secret expects SERVICE:KEY=SECRET[:VERSION], got ${JSON.stringify(entry)}`);
    }
    const [, service = "", key = "", secret = "", version = "latest"] = match;
    const descriptor = descriptors.find((candidate) => candidate.name === service);
    if (!descriptor) throw new UsageError(`--secret ${entry}: no service ${JSON.stringify(service)}`);
    if (!(key in fieldsOf(descriptor))) {
      throw new UsageError(`--secret ${entry}: ${service} has no variable ${key}`);
    }
    secrets[service] = { ...secrets[service], [key]: { secret, version } };
  }
  return secrets;
}

export const deployCommand: Command = createDeployCommand({
  loadDescriptors: async () => (await loadServices()).map((service) => service.descriptor),
  runner: spawnRunner(repoRoot()),
  isInteractive: () => Boolean(process.stdin.isTTY && process.stdout.isTTY),
  async confirm(question) {
    const prompt = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return /^y(es)?$/i.test((await prompt.question(question)).trim());
    } finally {
      prompt.close();
    }
  },
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
});
