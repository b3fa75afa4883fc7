// The deploy plan's preflight: checks that need no change to the project, run before anything is
// created — every required value given, gcloud logged in, the project reachable, the APIs listed, the
// caller's permissions (testIamPermissions), each cluster found and reachable from Cloud Run. It is a
// bash program so that the script and `--apply` run the very same checks; each failure is one line
// naming what is missing and how to fix it, and all failures are reported together. Every value in a
// message is single-quoted: only the preflight's own variables ("$ACCOUNT") are expanded.

import { literalWord, renderCall, shellWord } from "./bash.js";
import type { CliCall, FileDigest, PlanTodo } from "./commands.js";
import { gcloud } from "./commands.js";

export interface GkeCluster {
  /** The cluster's name; also its name in alerts (falcosidekick's `cluster` customfield). */
  name: string;
  /** Its region or zone. */
  location: string;
}

/** Direct VPC egress for the services that reach a cluster's control plane. */
export interface VpcEgress {
  network: string;
  subnet: string;
}

/** A permission the caller needs, and a predefined role that has it (named in the failure). */
export interface CallerPermission {
  permission: string;
  role: string;
}

export interface Preflight {
  project: string;
  region: string;
  /** Values still unknown: each one fails the preflight. */
  missing: readonly PlanTodo[];
  apis: readonly string[];
  projectPermissions: readonly CallerPermission[];
  organization?: { id: string; permissions: readonly CallerPermission[] };
  /** Clusters whose control plane some service reaches, with those services' names. */
  clusters: readonly GkeCluster[];
  reachers: readonly string[];
  vpc?: VpcEgress;
  /** The Secret Manager versions mounted with --secret: each must exist. */
  secrets: readonly MountedSecret[];
  /** Files the plan stores (--playbooks), with the sha256 they had when validated. */
  files: readonly FileDigest[];
  /** The incident ledger's Firestore databases: one that exists must be usable as it is. */
  ledgerDatabases: readonly PlannedDatabase[];
  /** The Cloud Storage buckets the plan creates unless they exist: one that exists must be usable. */
  buckets: readonly PlannedBucket[];
}

/** A bucket the plan creates in the project (uniform bucket-level access) unless it exists. */
export interface PlannedBucket {
  name: string;
}

/** A Firestore database the plan creates (Native mode, in `location`) unless it exists. */
export interface PlannedDatabase {
  project: string;
  database: string;
  location: string;
}

/** `--secret SERVICE:VARIABLE=SECRET:VERSION`, or a credential the service's descriptor declares. */
export interface MountedSecret {
  service: string;
  variable: string;
  secret: string;
  version: string;
  /** A declared credential: what it holds (the failure says how to store it without printing it). */
  holds?: string;
}

/** Permissions behind each step, one per kind of change (testIamPermissions takes at most 100). */
export function callerPermissions(needs: {
  kubernetes: boolean;
  secrets: boolean;
  playbooks?: boolean;
  /** --ingest logging|both on a whole plan: the sink is created and its writer granted on falco-events. */
  logSink?: boolean;
  /** Some service uses the incident ledger: its Firestore database, TTL policies and datastore.user grants. */
  ledger?: boolean;
  /** Some service has scheduled calls: one Cloud Scheduler job each. */
  scheduler?: boolean;
  /** Some service declares a bucket: created, its settings updated, roles granted on it. */
  buckets?: boolean;
  /** Some service launches workloads with their own identity: a namespace and a Kubernetes service account. */
  workloadIdentities?: boolean;
  /** A service with a web front: its load balancer's parts, IAP turned on and who may pass it. */
  webFront?: boolean;
}): CallerPermission[] {
  return [
    { permission: "serviceusage.services.enable", role: "roles/serviceusage.serviceUsageAdmin" },
    { permission: "iam.serviceAccounts.create", role: "roles/iam.serviceAccountAdmin" },
    { permission: "iam.serviceAccounts.setIamPolicy", role: "roles/iam.serviceAccountAdmin" },
    { permission: "iam.serviceAccounts.actAs", role: "roles/iam.serviceAccountUser" },
    { permission: "resourcemanager.projects.setIamPolicy", role: "roles/resourcemanager.projectIamAdmin" },
    { permission: "pubsub.topics.create", role: "roles/pubsub.admin" },
    { permission: "pubsub.topics.setIamPolicy", role: "roles/pubsub.admin" },
    { permission: "pubsub.subscriptions.create", role: "roles/pubsub.admin" },
    { permission: "pubsub.subscriptions.setIamPolicy", role: "roles/pubsub.admin" },
    { permission: "run.services.create", role: "roles/run.admin" },
    { permission: "run.services.setIamPolicy", role: "roles/run.admin" },
    { permission: "cloudbuild.builds.create", role: "roles/cloudbuild.builds.editor" },
    { permission: "artifactregistry.repositories.create", role: "roles/artifactregistry.admin" },
    ...(needs.kubernetes
      ? [
          { permission: "container.clusters.getCredentials", role: "roles/container.admin" },
          { permission: "container.clusterRoles.create", role: "roles/container.admin" },
          { permission: "container.clusterRoleBindings.create", role: "roles/container.admin" },
        ]
      : []),
    ...(needs.secrets || needs.playbooks
      ? [{ permission: "secretmanager.secrets.setIamPolicy", role: "roles/secretmanager.admin" }]
      : []),
    // --playbooks creates the secret riposte-playbooks when missing and stores the file as a version.
    ...(needs.playbooks
      ? [
          { permission: "secretmanager.secrets.create", role: "roles/secretmanager.admin" },
          { permission: "secretmanager.versions.add", role: "roles/secretmanager.admin" },
        ]
      : []),
    ...(needs.logSink ? [{ permission: "logging.sinks.create", role: "roles/logging.configWriter" }] : []),
    // datastore.user is granted with resourcemanager.projects.setIamPolicy (above).
    ...(needs.ledger
      ? [
          { permission: "datastore.databases.create", role: "roles/datastore.owner" },
          // The preflight reads an existing database's mode and location (a failed read means "create it").
          { permission: "datastore.databases.getMetadata", role: "roles/datastore.owner" },
          // A TTL policy is a field configuration, managed like the indexes.
          { permission: "datastore.indexes.update", role: "roles/datastore.indexAdmin" },
        ]
      : []),
    ...(needs.scheduler
      ? [
          { permission: "cloudscheduler.jobs.create", role: "roles/cloudscheduler.admin" },
          { permission: "cloudscheduler.jobs.update", role: "roles/cloudscheduler.admin" },
        ]
      : []),
    ...(needs.buckets
      ? [
          { permission: "storage.buckets.create", role: "roles/storage.admin" },
          // The preflight reads an existing bucket's project and access control.
          { permission: "storage.buckets.get", role: "roles/storage.admin" },
          { permission: "storage.buckets.update", role: "roles/storage.admin" },
          { permission: "storage.buckets.setIamPolicy", role: "roles/storage.admin" },
        ]
      : []),
    ...(needs.workloadIdentities
      ? [
          { permission: "container.namespaces.create", role: "roles/container.admin" },
          { permission: "container.serviceAccounts.create", role: "roles/container.admin" },
        ]
      : []),
    // The web front's load balancer (IAP is turned on by updating its backend service) and its access.
    ...(needs.webFront
      ? [
          ...[
            "backendServices.create",
            "backendServices.update",
            "networkEndpointGroups.create",
            "urlMaps.create",
            "urlMaps.update",
            "sslCertificates.create",
            "targetHttpsProxies.create",
            "globalAddresses.create",
            "globalForwardingRules.create",
          ].map((permission) => ({
            permission: `compute.${permission}`,
            role: "roles/compute.loadBalancerAdmin",
          })),
          { permission: "iap.webServices.setIamPolicy", role: "roles/iap.admin" },
        ]
      : []),
  ];
}

export const ORGANIZATION_PERMISSIONS: readonly CallerPermission[] = [
  {
    permission: "resourcemanager.organizations.setIamPolicy",
    role: "roles/resourcemanager.organizationAdmin",
  },
];

const CLUSTER_SETTINGS =
  "value[separator=|](privateClusterConfig.enablePrivateEndpoint,masterAuthorizedNetworksConfig.enabled,masterAuthorizedNetworksConfig.cidrBlocks[].cidrBlock)";

function clusterDescribe(cluster: GkeCluster, project: string): CliCall {
  return gcloud(
    ["container", "clusters", "describe"],
    [cluster.name],
    [
      ["location", cluster.location],
      ["project", project],
      ["format", CLUSTER_SETTINGS],
    ],
  );
}

function subnetDescribe(vpc: VpcEgress, region: string, project: string): CliCall {
  return gcloud(
    ["compute", "networks", "subnets", "describe"],
    [vpc.subnet],
    [
      ["region", region],
      ["project", project],
      ["format", "value(ipCidrRange)"],
    ],
  );
}

/**
 * `gcloud firestore databases describe` prints the Firestore Admin API's Database resource (v1):
 * `type` is FIRESTORE_NATIVE or DATASTORE_MODE (DATABASE_TYPE_UNSPECIFIED is "not used"), `locationId`
 * the region or multi-region it was created in (europe-west1, nam5). Checked against the installed
 * SDK's generated client (firestore_v1_messages.py: GoogleFirestoreAdminV1Database, TypeValueValuesEnum)
 * and the gcloud reference. A Datastore-mode database rejects Firestore API requests, which is all
 * the ledger's client sends; and a database never changes location.
 */
const DATABASE_SETTINGS = "value[separator=|](type,locationId)";

function databaseDescribe({ project, database }: PlannedDatabase): CliCall {
  return gcloud(
    ["firestore", "databases", "describe"],
    [],
    [
      ["database", database],
      ["project", project],
      ["format", DATABASE_SETTINGS],
    ],
  );
}

/**
 * `gcloud storage buckets describe --raw` prints the JSON API's Bucket resource: `projectNumber` the
 * project that owns it, `iamConfiguration.uniformBucketLevelAccess.enabled` whether only IAM grants
 * access (no ACLs). Without --raw, gcloud's own view of a bucket leaves the project number out.
 */
const BUCKET_SETTINGS = "value[separator=|](projectNumber,iamConfiguration.uniformBucketLevelAccess.enabled)";

function bucketDescribe({ name }: PlannedBucket): CliCall {
  return gcloud(["storage", "buckets", "describe"], [`gs://${name}`], [["raw"], ["format", BUCKET_SETTINGS]]);
}

const projectNumber = (project: string) =>
  gcloud(["projects", "describe"], [project], [["format", "value(projectNumber)"]]);

const activeAccount = gcloud(
  ["auth", "list"],
  [],
  [
    ["filter", "status:ACTIVE"],
    ["format", "value(account)"],
  ],
);
const secretVersionDescribe = ({ secret, version }: MountedSecret, project: string) =>
  gcloud(
    ["secrets", "versions", "describe"],
    [version],
    [
      ["secret", secret],
      ["project", project],
      ["format", "value(name)"],
    ],
  );
const projectDescribe = (project: string) =>
  gcloud(["projects", "describe"], [project], [["format", "value(projectId)"]]);
const enabledApis = (project: string) =>
  gcloud(["services", "list"], [], [["enabled"], ["project", project], ["format", "value(config.name)"]]);

/** The gcloud calls of the preflight (the flag check asks the installed gcloud about each). */
export function preflightCalls(preflight: Preflight): CliCall[] {
  const { project } = preflight;
  return [
    activeAccount,
    gcloud(["auth", "print-access-token"], [], []),
    projectDescribe(project),
    enabledApis(project),
    ...preflight.clusters.map((cluster) => clusterDescribe(cluster, project)),
    ...(preflight.vpc ? [subnetDescribe(preflight.vpc, preflight.region, project)] : []),
    ...preflight.secrets.map((secret) => secretVersionDescribe(secret, project)),
    ...preflight.ledgerDatabases.map(databaseDescribe),
    ...preflight.buckets.map(bucketDescribe),
    ...(preflight.buckets.length > 0 ? [projectNumber(project)] : []),
  ];
}

/** A bash string literal (single-quoted unless bare is safe). */
const quote = shellWord;

/** Shell text of the preflight's own (a variable it set), spliced into a message double-quoted. */
interface Own {
  shell: string;
}
const own = (shell: string): Own => ({ shell });
const ACCOUNT = own("$ACCOUNT");

/** One bash word: the text parts single-quoted (never expanded), the preflight's own parts double-quoted. */
function message(...parts: (string | Own)[]): string {
  const merged: (string | Own)[] = [];
  for (const part of parts) {
    const last = merged.at(-1);
    if (typeof part === "string" && typeof last === "string") merged[merged.length - 1] = last + part;
    else merged.push(part);
  }
  return merged
    .map((part) => (typeof part === "string" ? (part === "" ? "" : literalWord(part)) : `"${part.shell}"`))
    .join("");
}

/** `preflight_fail MESSAGE`, the message one word. */
const fail = (...parts: (string | Own)[]) => `preflight_fail ${message(...parts)}`;

/** What the preflight and the steps say when a validated file is no longer what was validated. */
export function fileChangedMessage(path: string): string {
  return `${path} changed since the plan was printed: re-run riposte deploy plan`;
}

/** `file_unchanged FILE SHA256` (defined by the preflight): the file still has that sha256. */
export function fileUnchangedTest(file: FileDigest): string {
  return `file_unchanged ${literalWord(file.path)} ${literalWord(file.sha256)}`;
}

/** Defines file_unchanged, reading the file on stdin (sha256sum prints names with backslashes escaped). */
function fileFunctions(): string[] {
  return [
    "file_sha256() { if command -v sha256sum >/dev/null; then sha256sum; else shasum -a 256; fi <\"$1\" | cut -d ' ' -f 1; }",
    'file_unchanged() { [ "$(file_sha256 "$1")" = "$2" ]; }',
  ];
}

/** Asks testIamPermissions which of `permissions` the caller holds on `resource`; fails per missing one. */
function permissionCheck(
  resource: string,
  label: string,
  permissions: readonly CallerPermission[],
): string[] {
  const body = JSON.stringify({ permissions: permissions.map((p) => p.permission) });
  const url = `https://cloudresourcemanager.googleapis.com/v1/${resource}:testIamPermissions`;
  return [
    `  if granted="$(curl -sS --fail -X POST -H "Authorization: Bearer $(gcloud auth print-access-token)" -H 'Content-Type: application/json' --data ${quote(body)} ${literalWord(url)})"; then`,
    ...permissions.map(
      ({ permission, role }) =>
        `    grep -q ${quote(`"${permission}"`)} <<<"$granted" || ${fail(ACCOUNT, ` lacks ${permission} on ${label} (e.g. ${role})`)}`,
    ),
    "  else",
    `    ${fail("cannot ask which permissions ", ACCOUNT, ` has on ${label} (testIamPermissions): is curl installed and the network reachable?`)}`,
    "  fi",
  ];
}

/**
 * The actioners call the cluster's `endpoint` as the GKE API gives it: the private one when the cluster
 * has only a private endpoint (reachable from Cloud Run through Direct VPC egress, and then only from
 * the master authorized networks when those are on), else the public one — which Cloud Run reaches from
 * Google addresses no authorized network can list (private-ranges-only egress leaves it outside the VPC).
 */
function clusterCheck(preflight: Preflight, cluster: GkeCluster): string[] {
  const { project, vpc } = preflight;
  const where = `cluster ${cluster.name} (${cluster.location})`;
  const reachers = preflight.reachers.join(", ");
  const update = `gcloud container clusters update ${cluster.name} --location=${cluster.location} --project=${project} --enable-master-authorized-networks --master-authorized-networks=`;
  const privateEndpoint = vpc
    ? [
        '      if [ "$authorized_networks" = True ] && [ -n "$subnet_range" ]; then',
        '        case ";$authorized_ranges;" in',
        `          *";$subnet_range;"*) ;;`,
        `          *) ${fail(
          `${where} accepts its control plane only from its master authorized networks (`,
          own("$authorized_ranges"),
          `): add subnet ${vpc.subnet}'s range: ${update}`,
          // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansions, not JS.
          own("${authorized_ranges//;/,}${authorized_ranges:+,}$subnet_range"),
        )} ;;`,
        "        esac",
        "      fi",
      ]
    : [
        `      ${fail(`${where} has a private endpoint only: ${reachers} reach it from Cloud Run through Direct VPC egress: --network NETWORK --subnet SUBNET (the cluster's VPC; README: Private clusters)`)}`,
      ];
  return [
    `  if settings="$(${renderCall(clusterDescribe(cluster, project), "  ")})"; then`,
    `    IFS='|' read -r private_endpoint authorized_networks authorized_ranges <<<"$settings" || true`,
    '    if [ "$private_endpoint" = True ]; then',
    ...privateEndpoint,
    '    elif [ "$authorized_networks" = True ]; then',
    `      ${fail(`${where} limits its public endpoint to master authorized networks, and Cloud Run calls it from addresses none can list: give it a private endpoint (--enable-private-endpoint) and deploy with --network/--subnet (README: Private clusters)`)}`,
    "    fi",
    "  else",
    `    ${fail(`${where} not found in project ${project} (gcloud container clusters list --project=${project}): --cluster NAME[:LOCATION]`)}`,
    "  fi",
  ];
}

/** Each mounted secret version exists (Cloud Run would refuse the deploy after everything else is made). */
function secretChecks(preflight: Preflight): string[] {
  const { project } = preflight;
  return preflight.secrets.flatMap((mounted) => [
    `  ${renderCall(secretVersionDescribe(mounted, project), "  ")} >/dev/null 2>&1 ||`,
    `    ${fail(
      `${mounted.service}: ${mounted.variable}: secret ${mounted.secret} (version ${mounted.version}) not found in project ${project}, or `,
      ACCOUNT,
      ` may not read it: ${mounted.holds ? storeSecretHint(mounted, project) : `gcloud secrets versions list ${mounted.secret} --project=${project}`} (--secret ${mounted.service}:${mounted.variable}=SECRET[:VERSION])`,
    )}`,
  ]);
}

/**
 * How to store a declared credential: the secret is created if missing, and its value is read from
 * the terminal without echo and piped in, so it is in no command line, history or plan.
 */
function storeSecretHint({ secret, holds }: MountedSecret, project: string): string {
  return `it holds ${holds}; store it: gcloud secrets describe ${secret} --project=${project} >/dev/null 2>&1 || gcloud secrets create ${secret} --replication-policy=automatic --project=${project}; read -rs value && printf %s "$value" | gcloud secrets versions add ${secret} --data-file=- --project=${project}; unset value`;
}

/**
 * The ledger's database, when it exists already (e.g. a `(default)` database App Engine or Datastore
 * made years ago), must be in Native mode and where the plan wants it: the plan would skip creating
 * it, and the services would answer 503 once deployed. A database that cannot be read is left to the
 * step that creates it (the caller's getMetadata permission is checked above).
 */
function ledgerDatabaseChecks(preflight: Preflight): string[] {
  return preflight.ledgerDatabases.flatMap((planned) => {
    const { project, database, location } = planned;
    const which = `database ${database} of project ${project}`;
    const ownDatabase =
      "give the ledger a database of its own: --env LEDGER_DATABASE=NAME (a new id; the plan creates it in Native mode)";
    const switchToNative = renderCall(
      gcloud(
        ["firestore", "databases", "update"],
        [],
        [
          ["database", database],
          ["type", "firestore-native"],
          ["project", project],
        ],
      ),
    );
    return [
      `  if ledger_database="$(${renderCall(databaseDescribe(planned), "  ")} 2>/dev/null)"; then`,
      `    IFS='|' read -r database_type database_location <<<"$ledger_database" || true`,
      '    case "$database_type" in',
      "      FIRESTORE_NATIVE) ;;",
      `      DATASTORE_MODE) ${fail(
        `${which} is in Datastore mode, which rejects the Firestore API the ledger uses: if nothing else uses it, switch it (${switchToNative}); else ${ownDatabase}`,
      )} ;;`,
      `      *) ${fail(`${which} has type `, own("$database_type"), `, not FIRESTORE_NATIVE: ${ownDatabase}`)} ;;`,
      "    esac",
      `    database_location="$(tr '[:upper:]' '[:lower:]' <<<"$database_location")"`,
      `    if [ "$database_location" != ${literalWord(location)} ]; then`,
      `      ${fail(
        `${which} is in `,
        own("$database_location"),
        `, not ${location}, and a database cannot move: deploy with --firestore-location `,
        own("$database_location"),
        ` to use it where it is, or ${ownDatabase}`,
      )}`,
      "    fi",
      "  fi",
    ];
  });
}

/**
 * A bucket that exists already is used as it is (the plan skips creating it): it must belong to the
 * project — bucket names are global, and another project's bucket would receive the evidence — and
 * have uniform bucket-level access, else object ACLs could grant what the bucket's IAM policy does not.
 * A bucket that cannot be read is left to the step that creates it (which fails if the name is taken).
 */
function bucketChecks(preflight: Preflight): string[] {
  if (preflight.buckets.length === 0) return [];
  const { project } = preflight;
  return [
    `  own_project_number="$(${renderCall(projectNumber(project), "  ")} 2>/dev/null)" || true`,
    ...preflight.buckets.flatMap((bucket) => {
      const which = `bucket gs://${bucket.name}`;
      const other = "name another bucket with --evidence-bucket NAME";
      return [
        `  if bucket_settings="$(${renderCall(bucketDescribe(bucket), "  ")} 2>/dev/null)"; then`,
        `    IFS='|' read -r bucket_project bucket_uniform <<<"$bucket_settings" || true`,
        '    if [ -z "$bucket_project" ] || [ "$bucket_project" != "$own_project_number" ]; then',
        `      ${fail(`${which} exists and belongs to another project (number `, own("$bucket_project"), `), not ${project}: ${other}`)}`,
        '    elif [ "$bucket_uniform" != True ]; then',
        `      ${fail(`${which} exists without uniform bucket-level access (its objects' ACLs could grant access): gcloud storage buckets update gs://${bucket.name} --uniform-bucket-level-access --project=${project}, or ${other}`)}`,
        "    fi",
        "  fi",
      ];
    }),
  ];
}

/** The preflight as bash: defines preflight_fail, runs every check, exits 1 if one failed. */
export function preflightScript(preflight: Preflight): string[] {
  const { project, vpc } = preflight;
  const lines = [
    "preflight_failed=0",
    'preflight_fail() { echo "preflight: $*" >&2; preflight_failed=1; }',
    ...preflight.missing.map((todo) =>
      fail(`${todo.service ? `${todo.service}: ` : ""}${todo.variable} has no value: ${todo.hint}`),
    ),
    ...(preflight.files.length > 0 ? fileFunctions() : []),
    ...preflight.files.map((file) => `${fileUnchangedTest(file)} || ${fail(fileChangedMessage(file.path))}`),
    `ACCOUNT="$(${renderCall(activeAccount)} 2>/dev/null | head -n 1)" || true`,
    'if [ -z "$ACCOUNT" ]; then',
    `  ${fail("gcloud is not logged in: gcloud auth login")}`,
    `elif ! ${renderCall(projectDescribe(project))} >/dev/null 2>&1; then`,
    `  ${fail(`project ${project} is not reachable as `, ACCOUNT, ": check --project (gcloud projects list) and that ", ACCOUNT, " may see it")}`,
    "else",
    `  if enabled="$(${renderCall(enabledApis(project))})"; then`,
    `    for api in ${preflight.apis.map(literalWord).join(" ")}; do`,
    '      grep -qx "$api" <<<"$enabled" || echo "note: $api is not enabled yet; step 1 enables it" >&2',
    "    done",
    "  else",
    `    ${fail(`cannot list the APIs enabled on ${project}: enable serviceusage.googleapis.com and grant `, ACCOUNT, " roles/serviceusage.serviceUsageConsumer")}`,
    "  fi",
    ...permissionCheck(`projects/${project}`, `project ${project}`, preflight.projectPermissions),
    ...(preflight.organization
      ? permissionCheck(
          `organizations/${preflight.organization.id}`,
          `organization ${preflight.organization.id}`,
          preflight.organization.permissions,
        )
      : []),
    ...secretChecks(preflight),
    ...ledgerDatabaseChecks(preflight),
    ...bucketChecks(preflight),
    ...(vpc
      ? [
          `  subnet_range="$(${renderCall(subnetDescribe(vpc, preflight.region, project))})" ||`,
          `    ${fail(`subnet ${vpc.subnet} not found in region ${preflight.region}: gcloud compute networks subnets list --network=${vpc.network} --project=${project}`)}`,
        ]
      : []),
    ...preflight.clusters.flatMap((cluster) => clusterCheck(preflight, cluster)),
    "fi",
    'if [ "$preflight_failed" != 0 ]; then',
    '  echo "preflight failed: nothing was created or changed" >&2',
    "  exit 1",
    "fi",
  ];
  return lines;
}
