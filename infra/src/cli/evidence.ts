// `riposte evidence list|get KEY`: the evidence bundle the capture action wrote for an incident. Its
// place comes from the incident ledger (the capture outcome's location), its contents from
// manifest.json, written last; every object is checked against the manifest's size and SHA-256, and
// nothing the bucket holds is trusted further than that (see evidence-bundle.ts).
import { rename, writeFile } from "node:fs/promises";
import { EVIDENCE_MANIFEST, type EvidenceManifest, isIncidentKey } from "@riposte/contracts";
import type { IncidentRecord } from "@riposte/ledger";
import { makeVisible } from "../dev/log-format.js";
import { type Command, parseCommandArgs, UsageError } from "./command.js";
import { readCliEnv } from "./config.js";
import {
  type BundleAt,
  bundlePath,
  bundleTarget,
  occupied,
  parseBundleLocation,
  readManifest,
} from "./evidence-bundle.js";
import {
  downloadVerified,
  type EvidenceStorage,
  listPrefix,
  openEvidenceStorage,
  readObject,
  type StoredObject,
} from "./evidence-storage.js";
import { evidenceListLines, evidenceListView, incompleteLines, missingLines } from "./evidence-view.js";
import { terminalJson } from "./incidents-view.js";
import { openLedgerTarget } from "./ledger-target.js";

/** The action whose outcome records where the bundle is (the capture service's, issue 19). */
const CAPTURE_ACTION = "capture";

/** A manifest is read whole: a few KiB in practice, refused far above that (a replaced object). */
const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;

const usage = `Usage: riposte evidence list KEY [--json] [--project P]
       riposte evidence get KEY --out DIR [--force] [--project P]

list   the evidence bundle the capture action wrote for incident KEY: each object of its manifest with
       its size and SHA-256 and whether the bucket holds it so, and what could not be collected.
get    downloads every object and manifest.json into DIR, keeping their names (logs/web.log), and
       verifies each one's size and SHA-256; any object missing or different is named and the exit
       code is 1. A file already in DIR under one of the names is an error unless --force.

KEY is the full incident key (riposte incidents list shows it). The bundle's place is the capture
outcome's location in the incident ledger, found as \`riposte incidents\` finds it; the bundle is read
from the Cloud Storage stand-in of the running \`npm start\` (or STORAGE_EMULATOR_HOST), else from Cloud
Storage with Application Default Credentials (roles/storage.objectViewer on the bucket).
--json (list) prints a versioned, documented shape ({"version": 1, …}; see the README).
Exit codes: 0 complete and as the manifest says; 1 anything else (said on stderr); 2 usage.`;

/** One line on stderr, every character a terminal could act on made visible. */
function fail(message: string): number {
  console.error(makeVisible(`riposte evidence: ${message}`));
  return 1;
}

interface Located {
  storage: EvidenceStorage;
  at: BundleAt;
}

/** Why the incident has no bundle to read, or undefined: from its capture action's record. */
function captureProblem(record: IncidentRecord): string | undefined {
  const capture = Object.hasOwn(record.actions, CAPTURE_ACTION) ? record.actions[CAPTURE_ACTION] : undefined;
  if (!capture) {
    const others = Object.keys(record.actions).sort();
    return `no capture recorded for incident ${record.incident} (actions recorded: ${others.length > 0 ? others.join(", ") : "none"})`;
  }
  if (!capture.outcome)
    return `capture of incident ${record.incident} has no outcome yet (${capture.attempts} attempt${capture.attempts === 1 ? "" : "s"}): try again shortly`;
  if (!capture.outcome.location)
    return `capture ${capture.outcome.result.toUpperCase()}: ${capture.outcome.reason} — no evidence location recorded`;
  return undefined;
}

/** The bundle's place from the ledger, and the storage to read it from; or the exit code after saying why not. */
async function locate(incident: string, project: string | undefined): Promise<Located | number> {
  const env = readCliEnv();
  const target = await openLedgerTarget(env, project);
  let record: IncidentRecord | undefined;
  try {
    record = await target.ledger.readIncident(incident);
  } finally {
    await target.close();
  }
  if (!record) return fail(`no incident ${incident} in the ledger (${target.describe})`);
  const problem = captureProblem(record);
  if (problem) return fail(problem);
  const location = record.actions[CAPTURE_ACTION]?.outcome?.location ?? "";
  const at = parseBundleLocation(location, incident);
  if ("problem" in at)
    return fail(
      `the capture's recorded location ${JSON.stringify(location.slice(0, 300))} is not an evidence bundle location of this incident: ${at.problem}`,
    );
  return { storage: await openEvidenceStorage(env, project), at };
}

type ManifestRead = { manifest: EvidenceManifest; bytes: Buffer } | { absent: true } | { problems: string[] };

async function fetchManifest({ storage, at }: Located): Promise<ManifestRead> {
  const bytes = await readObject(
    storage.bucket(at.bucket),
    `${at.prefix}${EVIDENCE_MANIFEST}`,
    MANIFEST_MAX_BYTES,
  );
  if (!bytes) return { absent: true };
  const manifest = readManifest(bytes, at);
  return "problems" in manifest ? manifest : { manifest, bytes };
}

/** The listing, or undefined with the reason when the bucket may not be listed. */
async function listing({ storage, at }: Located): Promise<{ objects?: StoredObject[]; refused?: string }> {
  const listed = await listPrefix(storage.bucket(at.bucket), at.prefix);
  return "refused" in listed ? { refused: listed.refused } : { objects: listed.objects };
}

function incomplete(at: BundleAt, refused: string | undefined): number {
  return fail(
    `bundle incomplete: no manifest yet at ${at.url}${EVIDENCE_MANIFEST} (the capture is still writing, or it stopped before the end)${refused ? `; cannot list what is stored so far (${refused})` : ""}`,
  );
}

function badManifest(problems: string[]): number {
  for (const problem of problems.slice(1)) console.error(makeVisible(`  ${problem}`));
  return fail(problems[0] ?? "manifest.json is unreadable");
}

async function list(incident: string, values: { json?: boolean | undefined; project?: string | undefined }) {
  const located = await locate(incident, values.project);
  if (typeof located === "number") return located;
  const read = await fetchManifest(located);
  if ("problems" in read) return badManifest(read.problems);
  const stored = await listing(located);
  const manifest = "manifest" in read ? read.manifest : undefined;
  const view = evidenceListView(incident, located.at, manifest, stored.objects);
  if (values.json) console.log(terminalJson(view));
  if (!manifest) {
    if (!values.json && stored.objects)
      for (const line of incompleteLines(view, stored.objects)) console.log(line);
    return incomplete(located.at, stored.refused);
  }
  if (!values.json) for (const line of evidenceListLines(view, located.storage.describe)) console.log(line);
  if (view.problems.length > 0) {
    for (const problem of view.problems) console.error(makeVisible(`  ${problem}`));
    return fail(
      `${view.problems.length} of ${view.objects.length} objects are not stored as the manifest says`,
    );
  }
  return 0;
}

async function get(
  incident: string,
  values: { out?: string | undefined; force?: boolean | undefined; project?: string | undefined },
) {
  const dir = values.out;
  if (!dir) throw new UsageError(`get needs --out DIR\n\n${usage}`);
  const located = await locate(incident, values.project);
  if (typeof located === "number") return located;
  const read = await fetchManifest(located);
  if ("problems" in read) return badManifest(read.problems);
  if ("absent" in read) return incomplete(located.at, undefined);
  const { manifest, bytes } = read;
  const names = [...manifest.objects.map((object) => object.name), EVIDENCE_MANIFEST];
  // Every name is checked, and DIR for files already there, before the first byte is written.
  const taken: string[] = [];
  for (const name of names) if (await occupied(bundlePath(dir, name))) taken.push(name);
  if (taken.length > 0 && !values.force)
    return fail(
      `${taken.join(", ")} already exist${taken.length === 1 ? "s" : ""} in ${dir}: choose another --out, or --force to replace`,
    );

  const bucket = located.storage.bucket(located.at.bucket);
  const bad: string[] = [];
  for (const object of manifest.objects) {
    const target = await bundleTarget(dir, object.name);
    const problem = await downloadVerified(bucket, `${located.at.prefix}${object.name}`, object, target);
    if (problem) bad.push(`${object.name}: ${problem}`);
  }
  // The manifest as stored, byte for byte: it is what the objects were verified against.
  await writeManifestCopy(dir, bytes);
  for (const line of missingLines(manifest.missing)) console.log(line);
  if (bad.length > 0) {
    for (const problem of bad) console.error(makeVisible(`  ${problem}`));
    return fail(
      `${bad.length} of ${manifest.objects.length} objects failed verification (not kept in ${dir}); ${located.at.url}`,
    );
  }
  console.log(
    makeVisible(
      `${manifest.objects.length + 1} objects verified (size and SHA-256) into ${dir} from ${located.at.url}`,
    ),
  );
  return 0;
}

async function writeManifestCopy(dir: string, bytes: Buffer): Promise<void> {
  const target = await bundleTarget(dir, EVIDENCE_MANIFEST);
  const partial = `${target}.partial-${process.pid}`;
  await writeFile(partial, bytes, { flag: "wx" });
  await rename(partial, target);
}

export const evidenceCommand: Command = {
  name: "evidence",
  summary: "an incident's evidence bundle in Cloud Storage (list KEY, get KEY --out DIR), verified",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs({ usage }, args, {
      json: { type: "boolean" },
      out: { type: "string" },
      force: { type: "boolean" },
      project: { type: "string" },
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    const [subcommand, key, ...extra] = positionals;
    if ((subcommand !== "list" && subcommand !== "get") || extra.length > 0)
      throw new UsageError(`expected \`list KEY\` or \`get KEY --out DIR\`\n\n${usage}`);
    if (!key || !isIncidentKey(key))
      throw new UsageError(`expected an incident key (32 lowercase hex characters)\n\n${usage}`);
    if (subcommand === "list") {
      if (values.out !== undefined || values.force !== undefined)
        throw new UsageError(`list takes KEY, --json and --project only\n\n${usage}`);
      return list(key, values);
    }
    if (values.json !== undefined) throw new UsageError(`get takes no --json\n\n${usage}`);
    return get(key, values);
  },
};
