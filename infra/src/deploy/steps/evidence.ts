// The evidence bucket's side of the plan (issue 19), derived from the descriptors' `buckets` and
// `workloadIdentities`: the bucket, created once whoever declares it; each declaring service's roles on
// that bucket only, and its name in the service's declared variable; the Google accounts of the
// Kubernetes workloads a service launches (Workload Identity), with their own bucket roles.
import {
  BUCKET_ROLES,
  type BucketId,
  type BucketRole,
  type ServiceDescriptor,
  type WorkloadIdentity,
} from "@riposte/service-kit";
import { accountEmail, serviceAccountEmail } from "../../rbac.js";
import { gcloud, type PlanCommand, type PlanStep } from "../commands.js";
import type { DeployOptions } from "../plan.js";
import { DeployPlanError, type PlanContext } from "./context.js";

/** Objects stay this long unless --evidence-retention says otherwise. */
export const DEFAULT_EVIDENCE_RETENTION = "30d";

/** The bucket's name: --evidence-bucket, else `<project>-riposte-evidence` (at most 47 characters). */
export function evidenceBucketName(options: Pick<DeployOptions, "project" | "evidenceBucket">): string {
  return options.evidenceBucket ?? `${options.project}-riposte-evidence`;
}

/** The real name of each logical bucket. */
export function bucketName(bucket: BucketId, options: Pick<DeployOptions, "project" | "evidenceBucket">) {
  switch (bucket) {
    case "evidence":
      return evidenceBucketName(options);
  }
}

/** The variables the plan sets for the service: each declared bucket's real name. */
export function bucketEnv(service: ServiceDescriptor, options: DeployOptions): Record<string, string> {
  return Object.fromEntries(
    (service.buckets ?? []).map((use) => [use.env, bucketName(use.bucket, options)] as const),
  );
}

const KUBERNETES_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const SERVICE_ACCOUNT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const ALLOWED_ROLES: ReadonlySet<string> = new Set(BUCKET_ROLES);

/**
 * The selected services' bucket and workload identity declarations are what the plan can grant: roles
 * that only add or read objects, on the bucket; variables the service reads; valid names. Storage roles
 * on the project or organization are refused, since they would reach every bucket of the project.
 */
export function checkStorageDeclarations(selected: readonly ServiceDescriptor[]): void {
  for (const service of selected) {
    const fail = (problem: string) => {
      throw new DeployPlanError(`${service.name}: ${problem}`);
    };
    const checkRoles = (roles: readonly string[], where: string) => {
      if (roles.length === 0) fail(`${where} names no role`);
      for (const role of roles) {
        if (!ALLOWED_ROLES.has(role)) {
          fail(
            `${role} on ${where}: a bucket role may only add or read objects (${BUCKET_ROLES.join(", ")}), never delete, replace, list or administer them`,
          );
        }
      }
    };
    for (const grant of service.gcpRoles) {
      if (grant.role.startsWith("roles/storage.") && grant.on.kind !== "topic") {
        fail(
          `${grant.role} on the ${grant.on.kind} would reach every bucket there: declare it in buckets, granted on that bucket only`,
        );
      }
    }
    for (const use of service.buckets ?? []) {
      if (!(use.env in service.env.shape)) {
        fail(`${use.env} (the ${use.bucket} bucket's name) is not a variable of its env schema`);
      }
      // No role: the service only names the bucket to a workload that writes with its own identity
      // (node-capturer's Job); it is told the name and granted nothing on it.
      if (use.roles.length > 0) checkRoles(use.roles, `the ${use.bucket} bucket`);
    }
    for (const identity of service.workloadIdentities ?? []) {
      const { namespace, kubernetesServiceAccount, gcpServiceAccountId } = identity;
      if (!KUBERNETES_NAME.test(namespace))
        fail(`namespace ${JSON.stringify(namespace)} is not a Kubernetes name`);
      if (!KUBERNETES_NAME.test(kubernetesServiceAccount)) {
        fail(
          `Kubernetes service account ${JSON.stringify(kubernetesServiceAccount)} is not a Kubernetes name`,
        );
      }
      if (!SERVICE_ACCOUNT_ID.test(gcpServiceAccountId)) {
        fail(
          `Google service account id ${JSON.stringify(gcpServiceAccountId)}: expected 6–30 lowercase letters, digits and hyphens, starting with a letter`,
        );
      }
      for (const use of identity.buckets)
        checkRoles(use.roles, `the ${use.bucket} bucket (${gcpServiceAccountId})`);
    }
  }
}

/** The workload identities the selected services declare, each Google account once. */
export function workloadIdentitiesOf(selected: readonly ServiceDescriptor[]): WorkloadIdentity[] {
  const byAccount = new Map<string, WorkloadIdentity>();
  for (const identity of selected.flatMap((service) => service.workloadIdentities ?? [])) {
    const known = byAccount.get(identity.gcpServiceAccountId);
    if (known && JSON.stringify(known) !== JSON.stringify(identity)) {
      throw new DeployPlanError(
        `${identity.gcpServiceAccountId} is declared twice with different settings: one workload identity per Google account`,
      );
    }
    byAccount.set(identity.gcpServiceAccountId, identity);
  }
  return [...byAccount.values()];
}

/** A grant on a bucket: who gets which role. */
interface BucketGrant {
  bucket: BucketId;
  member: string;
  role: BucketRole;
}

function bucketGrants({ selected, project }: PlanContext): BucketGrant[] {
  return [
    ...selected.flatMap((service) =>
      (service.buckets ?? []).flatMap((use) =>
        use.roles.map((role) => ({
          bucket: use.bucket,
          member: `serviceAccount:${serviceAccountEmail(service.name, project)}`,
          role,
        })),
      ),
    ),
    ...workloadIdentitiesOf(selected).flatMap((identity) =>
      identity.buckets.flatMap((use) =>
        use.roles.map((role) => ({
          bucket: use.bucket,
          member: `serviceAccount:${accountEmail(identity.gcpServiceAccountId, project)}`,
          role,
        })),
      ),
    ),
  ];
}

/** The buckets the selected services (and their workloads) use, each once, in declaration order. */
export function plannedBuckets(ctx: Pick<PlanContext, "selected" | "options">): string[] {
  const ids = ctx.selected.flatMap((service) => [
    ...(service.buckets ?? []).map((use) => use.bucket),
    ...(service.workloadIdentities ?? []).flatMap((identity) => identity.buckets.map((use) => use.bucket)),
  ]);
  return [...new Set(ids.map((id) => bucketName(id, ctx.options)))];
}

export function evidenceSteps(ctx: PlanContext): PlanStep[] {
  const buckets = plannedBuckets(ctx);
  const identities = workloadIdentitiesOf(ctx.selected);
  if (buckets.length === 0 && identities.length === 0) return [];
  const { options, projectFlag, project, region } = ctx;
  const retention = options.evidenceRetention ?? DEFAULT_EVIDENCE_RETENTION;
  const url = (name: string) => `gs://${name}`;
  const settings = [["public-access-prevention"], ["retention-period", retention]] as const;
  return [
    {
      title: "Create the evidence bucket and grant its users their roles on it",
      why: `evidence bundles are written once and never overwritten: the bucket (in ${region}, uniform bucket-level access, public access prevented) has a ${retention} retention policy: its objects cannot be deleted or replaced before they have been stored that long, by anyone; the policy is set again on every run and is not locked (whoever may update the bucket can shorten it). Each user gets only the roles its descriptor declares, on this bucket only; each workload's Kubernetes service account acts as its own Google account (Workload Identity)`,
      commands: [
        ...buckets.flatMap((name): PlanCommand[] => [
          {
            unless: gcloud(["storage", "buckets", "describe"], [url(name)], [projectFlag]),
            call: gcloud(
              ["storage", "buckets", "create"],
              [url(name)],
              [["location", region], ["uniform-bucket-level-access"], ...settings, projectFlag],
            ),
          },
          { call: gcloud(["storage", "buckets", "update"], [url(name)], [...settings, projectFlag]) },
        ]),
        ...bucketGrants(ctx).map(
          (grant): PlanCommand => ({
            call: gcloud(
              ["storage", "buckets", "add-iam-policy-binding"],
              [url(bucketName(grant.bucket, options))],
              [
                ["member", grant.member],
                ["role", grant.role],
              ],
            ),
          }),
        ),
        ...identities.map(
          (identity): PlanCommand => ({
            call: gcloud(
              ["iam", "service-accounts", "add-iam-policy-binding"],
              [accountEmail(identity.gcpServiceAccountId, project)],
              [
                [
                  "member",
                  `serviceAccount:${project}.svc.id.goog[${identity.namespace}/${identity.kubernetesServiceAccount}]`,
                ],
                ["role", "roles/iam.workloadIdentityUser"],
                projectFlag,
              ],
            ),
          }),
        ),
      ],
    },
  ];
}
