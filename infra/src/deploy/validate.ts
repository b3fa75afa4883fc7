// The deploy plan's options, checked before any command is made of them: each value that names
// something in Google Cloud must have that thing's form, so that no value can be read as shell by the
// script or as a plan variable by --apply (the renderer quotes everything besides, as defence in depth).
// The CLI checks its flags with these, and deployPlan checks its options again.
import { Email } from "@riposte/contracts";
import { holdsPlanMark } from "./commands.js";
import type { GkeCluster, VpcEgress } from "./preflight.js";
import { DeployPlanError } from "./steps/context.js";

/** A project id: 6–30 lowercase letters, digits and hyphens, starting with a letter. */
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/**
 * A legacy domain-scoped project (example.com:project). Refused: its service accounts are not
 * `<id>@<project>.iam.gserviceaccount.com`, which every grant and binding in the plan is built on.
 */
const DOMAIN_SCOPED_PROJECT = /^[a-z0-9.-]+\.[a-z]+:[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** A region or zone: europe-west1, us-central1-a. */
const LOCATION = /^[a-z]+(-[a-z0-9]+)+$/;
/** A Firestore location: a region (europe-west1) or a multi-region (eur3, nam5). */
const FIRESTORE_LOCATION = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const ORGANIZATION_ID = /^[0-9]+$/;
/** A Compute Engine resource name (RFC 1035). */
const RESOURCE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAME = RESOURCE_NAME.source.slice(1, -1);
const NETWORK_PATH = new RegExp(`^projects/${PROJECT_ID.source.slice(1, -1)}/global/networks/${NAME}$`);
const SUBNET_PATH = new RegExp(
  `^projects/${PROJECT_ID.source.slice(1, -1)}/regions/${LOCATION.source.slice(1, -1)}/subnetworks/${NAME}$`,
);
const CLUSTER_NAME = /^[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
const SECRET_VERSION = /^(?:[0-9]+|latest)$/;
const ENV_KEY = /^[A-Z][A-Z0-9_]*$/;
const SHA256 = /^[0-9a-f]{64}$/;
/**
 * A Cloud Storage bucket name: 3–63 lowercase letters, digits, `-` and `_`, starting and ending with a
 * letter or digit. Names with dots (up to 222 characters, each part at most 63) need a verified domain:
 * not supported. Google also refuses names starting with `goog` or holding `google` or a close misspelling.
 */
const BUCKET_NAME = /^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$/;
const GOOGLE_LIKE = /^goog|g[o0]{2}gle/;
/** A retention period in whole days, e.g. 30d (gcloud's --retention-period takes this form). */
const RETENTION = /^([1-9][0-9]{0,3})d$/;
/** The longest retention the plan sets: evidence kept longer is an explicit choice made outside it. */
export const MAX_EVIDENCE_RETENTION_DAYS = 3650;

/** A DNS host name for a certificate: lowercase labels, at least two, no wildcard, no trailing dot. */
const HOST_NAME =
  /^(?=.{4,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
/** The kinds of principal that may open the console: a person or a Google group, nothing wider. */
const CONSOLE_MEMBER = /^(user|group):(.+)$/;
/** More would be a sign of a misuse: grant a group instead. */
export const MAX_CONSOLE_USERS = 50;

function expect(flag: string, value: string, form: RegExp | ((value: string) => boolean), what: string) {
  const ok = typeof form === "function" ? form(value) : form.test(value);
  if (!ok) throw new DeployPlanError(`${flag} ${JSON.stringify(value)}: expected ${what}`);
}

export function checkProject(project: string): void {
  if (DOMAIN_SCOPED_PROJECT.test(project)) {
    throw new DeployPlanError(
      `--project ${JSON.stringify(project)}: domain-scoped projects are not supported (their service account emails have another form); deploy into a project with a plain id`,
    );
  }
  expect(
    "--project",
    project,
    PROJECT_ID,
    "a project id (6–30 lowercase letters, digits and hyphens, starting with a letter): gcloud projects list",
  );
}

export function checkRegion(region: string, flag = "--region"): void {
  expect(flag, region, LOCATION, "a region or zone such as europe-west1 or us-central1-a");
}

export function checkFirestoreLocation(location: string): void {
  expect(
    "--firestore-location",
    location,
    FIRESTORE_LOCATION,
    "a Firestore location such as europe-west1 or eur3 (gcloud firestore locations list)",
  );
}

export function checkEvidenceBucket(name: string): void {
  expect(
    "--evidence-bucket",
    name,
    (value) => BUCKET_NAME.test(value) && !GOOGLE_LIKE.test(value),
    "a Cloud Storage bucket name: 3–63 lowercase letters, digits, - and _, starting and ending with a letter or digit, without goog at the start or google anywhere (names with dots are not supported)",
  );
}

export function checkEvidenceRetention(retention: string): void {
  expect(
    "--evidence-retention",
    retention,
    (value) => {
      const days = Number(RETENTION.exec(value)?.[1] ?? 0);
      return days >= 1 && days <= MAX_EVIDENCE_RETENTION_DAYS;
    },
    `a number of days from 1d to ${MAX_EVIDENCE_RETENTION_DAYS}d, e.g. 30d`,
  );
}

export function checkOrganization(organization: string): void {
  expect(
    "--organization",
    organization,
    ORGANIZATION_ID,
    "a numeric organization id: gcloud organizations list",
  );
}

export function checkVpc(vpc: VpcEgress): void {
  expect(
    "--network",
    vpc.network,
    (value) => RESOURCE_NAME.test(value) || NETWORK_PATH.test(value),
    "a network name (lowercase letters, digits and hyphens) or projects/PROJECT/global/networks/NAME",
  );
  expect(
    "--subnet",
    vpc.subnet,
    (value) => RESOURCE_NAME.test(value) || SUBNET_PATH.test(value),
    "a subnet name (lowercase letters, digits and hyphens) or projects/PROJECT/regions/REGION/subnetworks/NAME",
  );
}

export function checkCluster(cluster: GkeCluster): void {
  expect("--cluster", cluster.name, CLUSTER_NAME, "a GKE cluster name (NAME[:LOCATION])");
  checkRegion(cluster.location, `--cluster ${cluster.name}: location`);
}

export function checkConsoleDomain(domain: string): void {
  expect(
    "--console-domain",
    domain,
    (value) => HOST_NAME.test(value) && !/^[0-9.]+$/.test(value),
    "the console's host name, e.g. riposte.acme.com (lowercase, no wildcard, not an IP address): its certificate is issued for it",
  );
}

/**
 * `--console-users`: who may open the console through IAP, each `user:EMAIL` or `group:EMAIL`, written
 * exactly (no spaces, no control characters; case folded). Refused: allUsers, allAuthenticatedUsers,
 * domain:, serviceAccount: and anything else — IAP would let every such principal decide held actions.
 */
export function checkConsoleUsers(members: readonly string[]): string[] {
  if (members.length > MAX_CONSOLE_USERS) {
    throw new DeployPlanError(
      `--console-users: ${members.length} principals; at most ${MAX_CONSOLE_USERS} (grant a group instead)`,
    );
  }
  const checked = members.map((member) => {
    // Printable ASCII first: Email trims spaces, and lower-casing folds look-alikes into ASCII (the
    // Kelvin sign K becomes k), so neither may see a member that is not plain text already.
    const plain = /^[\x21-\x7e]+$/.test(member);
    const kind = plain ? CONSOLE_MEMBER.exec(member.toLowerCase()) : null;
    const address = kind ? Email.safeParse(kind[2]) : undefined;
    if (!kind || !address?.success) {
      throw new DeployPlanError(
        `--console-users ${JSON.stringify(member.slice(0, 120))}: expected user:EMAIL or group:EMAIL (never allUsers, allAuthenticatedUsers, domain: or serviceAccount:), separated by commas`,
      );
    }
    return `${kind[1]}:${address.data}`;
  });
  return [...new Set(checked)];
}

/** The flags of `riposte deploy plan` that name Google Cloud things; throws DeployPlanError naming the flag. */
export function checkPlanFlags(flags: {
  project: string;
  region: string;
  organization?: string | undefined;
  vpc?: VpcEgress | undefined;
  firestoreLocation?: string | undefined;
  evidenceBucket?: string | undefined;
  evidenceRetention?: string | undefined;
  consoleDomain?: string | undefined;
  consoleUsers?: readonly string[] | undefined;
}): void {
  checkProject(flags.project);
  checkRegion(flags.region);
  if (flags.firestoreLocation !== undefined) checkFirestoreLocation(flags.firestoreLocation);
  if (flags.evidenceBucket !== undefined) checkEvidenceBucket(flags.evidenceBucket);
  if (flags.evidenceRetention !== undefined) checkEvidenceRetention(flags.evidenceRetention);
  if (flags.organization !== undefined) checkOrganization(flags.organization);
  if (flags.vpc) checkVpc(flags.vpc);
  if (flags.consoleDomain !== undefined) checkConsoleDomain(flags.consoleDomain);
  if (flags.consoleUsers !== undefined) checkConsoleUsers(flags.consoleUsers);
}

/** Everything deployPlan is given by a caller (the CLI checks the same flags first). */
export function checkDeployOptions(options: {
  project: string;
  region: string;
  organization?: string;
  vpc?: VpcEgress;
  clusters?: readonly GkeCluster[];
  env?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  secrets?: Readonly<Record<string, Readonly<Record<string, { secret: string; version: string }>>>>;
  playbooks?: { path: string; sha256: string };
  firestoreLocation?: string;
  evidenceBucket?: string;
  evidenceRetention?: string;
  consoleDomain?: string;
  consoleUsers?: readonly string[];
}): void {
  checkPlanFlags(options);
  for (const cluster of options.clusters ?? []) checkCluster(cluster);
  for (const [service, values] of Object.entries(options.env ?? {})) {
    for (const [key, value] of Object.entries(values)) {
      expect("--env", `${service}:${key}`, () => ENV_KEY.test(key), "SERVICE:KEY with KEY in A-Z0-9_");
      // A NUL marks the plan's own variables; no command line can hold one.
      expect("--env", `${service}:${key}=${value}`, (text) => !holdsPlanMark(text), "a value without NUL");
    }
  }
  for (const [service, references] of Object.entries(options.secrets ?? {})) {
    for (const [key, { secret, version }] of Object.entries(references)) {
      const entry = `${service}:${key}=${secret}:${version}`;
      expect("--secret", entry, () => ENV_KEY.test(key), "SERVICE:KEY=SECRET[:VERSION] with KEY in A-Z0-9_");
      expect("--secret", entry, () => SECRET_ID.test(secret), "a secret id of letters, digits, _ and -");
      expect("--secret", entry, () => SECRET_VERSION.test(version), "a version number or latest");
    }
  }
  if (options.playbooks) {
    const { path, sha256 } = options.playbooks;
    expect("--playbooks", path, (text) => text !== "" && !holdsPlanMark(text), "a file path");
    expect("--playbooks", sha256, SHA256, "the sha256 of the validated file (64 hex digits)");
  }
}
