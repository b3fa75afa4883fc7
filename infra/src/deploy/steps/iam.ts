// The identities of the plan and what each may do: one service account per service (plus the push
// account and falcosidekick's), each service's least-privilege grants, and run.invoker for the push account.
import type { GcpRoleGrant, ServiceDescriptor } from "@riposte/service-kit";
import { accountEmail, serviceAccountEmail } from "../../rbac.js";
import { type Flag, gcloud, type PlanCommand, type PlanStep, planVariable } from "../commands.js";
import type { PlanContext } from "./context.js";
import { workloadIdentitiesOf } from "./evidence.js";
import { FALCOSIDEKICK_SERVICE_ACCOUNT_ID } from "./falcosidekick.js";
import { ingestsBySidekick } from "./log-sink.js";
import { secretsOf } from "./secrets.js";

/** Pub/Sub signs every push with this account's OIDC token; it may invoke the services and nothing else. */
export const PUSH_SERVICE_ACCOUNT_ID = "riposte-pubsub-push";

/** Roles every service needs because of what service-kit does for all of them. */
export const COMMON_PROJECT_ROLES: readonly { role: string; reason: string }[] = [
  {
    role: "roles/telemetry.tracesWriter",
    reason:
      "service-kit exports traces to Cloud Trace's OTLP endpoint (telemetry.googleapis.com) on Cloud Run",
  },
];

export function serviceAccountsStep({
  selected,
  whole,
  options,
  project,
  projectFlag,
}: PlanContext): PlanStep {
  const accounts: { id: string; description: string }[] = [
    ...selected.map((service) => ({ id: `riposte-${service.name}`, description: service.description })),
    {
      id: PUSH_SERVICE_ACCOUNT_ID,
      description: "Pub/Sub push subscriptions sign their requests as this account",
    },
    ...(whole && ingestsBySidekick(options.ingest)
      ? [
          {
            id: FALCOSIDEKICK_SERVICE_ACCOUNT_ID,
            description: "falcosidekick publishes Falco alerts to falco-events",
          },
        ]
      : []),
    // The Google accounts of the Kubernetes workloads the services launch (Workload Identity).
    ...workloadIdentitiesOf(selected).map((identity) => ({
      id: identity.gcpServiceAccountId,
      description: identity.reason,
    })),
  ];
  return {
    title: "Create the service accounts",
    why: "one identity per service, so each gets exactly its own permissions",
    commands: accounts.map(({ id, description }) => ({
      unless: gcloud(["iam", "service-accounts", "describe"], [accountEmail(id, project)], [projectFlag]),
      call: gcloud(
        ["iam", "service-accounts", "create"],
        [id],
        [["display-name", displayName(id)], ["description", description], projectFlag],
      ),
    })),
  };
}

export function serviceIamStep(ctx: PlanContext): PlanStep {
  return {
    title: "Grant each service its roles",
    why: "least privilege: publisher on its own output topics only, the roles its descriptor declares, trace writing, its own secrets; run.builder for the account Cloud Build builds with",
    commands: [
      ...ctx.selected.flatMap((service) => serviceGrants(service, ctx)),
      // `gcloud run deploy --source` builds with Cloud Build as the Compute Engine default service account.
      grantCommand(
        { role: "roles/run.builder", on: { kind: "project" }, reason: "" },
        `serviceAccount:${planVariable("PROJECT_NUMBER")}-compute@developer.gserviceaccount.com`,
        ctx,
      ),
    ],
  };
}

function serviceGrants(service: ServiceDescriptor, ctx: PlanContext): PlanCommand[] {
  const member = `serviceAccount:${serviceAccountEmail(service.name, ctx.project)}`;
  const { projectFlag } = ctx;
  return [
    ...service.publishes.map((topic) => ({
      call: gcloud(
        ["pubsub", "topics", "add-iam-policy-binding"],
        [topic],
        [["member", member], ["role", "roles/pubsub.publisher"], projectFlag],
      ),
    })),
    ...service.gcpRoles.map((grant) => grantCommand(grant, member, ctx)),
    ...COMMON_PROJECT_ROLES.map(({ role }) =>
      grantCommand({ role, on: { kind: "project" }, reason: "" }, member, ctx),
    ),
    // secretAccessor on each of its secrets only, never on the project.
    ...Object.values(secretsOf(service, ctx.options)).map((reference) => ({
      call: gcloud(
        ["secrets", "add-iam-policy-binding"],
        [reference.secret],
        [["member", member], ["role", "roles/secretmanager.secretAccessor"], projectFlag],
      ),
    })),
  ];
}

export function invokerStep({ selected, region, projectFlag, pushAccount }: PlanContext): PlanStep {
  return {
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
  };
}

function grantCommand(
  grant: GcpRoleGrant,
  member: string,
  { project, options, todos }: PlanContext,
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

function displayName(accountId: string): string {
  return accountId
    .split("-")
    .map((word) => (word === "pubsub" ? "Pub/Sub" : word.charAt(0).toUpperCase() + word.slice(1)))
    .join(" ");
}
