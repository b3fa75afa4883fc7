// What `riposte evidence` trusts about a bundle, checked before it is used: the location the capture
// outcome recorded (it must be this incident's prefix, every segment valid), the manifest (the
// contract's schema, and naming the same cluster, namespace, pod and incident as its location), and
// every path a download writes to (inside DIR, through no symlink leading out of it).
import { lstat, mkdir, realpath } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { type EvidenceLocation, EvidenceManifest, evidenceLocationProblem } from "@riposte/contracts";
import type { z } from "zod";

/** A bundle's place in Cloud Storage: `gs://bucket/prefix` with prefix `<cluster>/<namespace>/<pod>/<incident>/`. */
export interface BundleAt {
  bucket: string;
  prefix: string;
  location: EvidenceLocation;
  /** `gs://bucket/prefix`, as recorded. */
  url: string;
}

// Cloud Storage's bucket names without dots (domain-named buckets are not Riposte's).
const GS_LOCATION = /^gs:\/\/([a-z0-9][a-z0-9_-]{1,61}[a-z0-9])\/((?:[^/]+\/){4})$/;

/** The bundle a capture outcome's location names, or why it is not `incident`'s. */
export function parseBundleLocation(url: string, incident: string): BundleAt | { problem: string } {
  const match = GS_LOCATION.exec(url);
  if (!match) return { problem: "expected gs://BUCKET/<cluster>/<namespace>/<pod>/<incident>/" };
  const [, bucket = "", prefix = ""] = match;
  const [cluster = "", namespace = "", pod = "", key = ""] = prefix.split("/");
  const location = { cluster, namespace, pod, incident: key };
  const problem = evidenceLocationProblem(location);
  if (problem) return { problem };
  if (key !== incident) return { problem: `it names incident ${key}` };
  return { bucket, prefix, location, url };
}

function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === "number" ? `[${part}]` : `${index > 0 ? "." : ""}${String(part)}`))
    .join("");
}

/** The manifest in `bytes`, or every reason it cannot be this bundle's (schema first, then agreement with the location). */
export function readManifest(bytes: Buffer, at: BundleAt): EvidenceManifest | { problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    return { problems: [`manifest.json is not JSON: ${(error as Error).message}`] };
  }
  const parsed = EvidenceManifest.safeParse(json);
  if (!parsed.success)
    return {
      problems: (parsed.error as z.ZodError).issues
        .slice(0, 5)
        .map(
          (issue) => `manifest.json is not an evidence manifest: ${issuePath(issue.path)}: ${issue.message}`,
        ),
    };
  const manifest = parsed.data;
  const problems: string[] = [];
  for (const field of ["cluster", "namespace", "pod", "incident"] as const)
    if (manifest[field] !== at.location[field])
      problems.push(
        `manifest says ${field} ${JSON.stringify(manifest[field])}, its location ${field} ${JSON.stringify(at.location[field])}`,
      );
  const seen = new Set<string>();
  for (const { name } of manifest.objects) {
    if (seen.has(name)) problems.push(`manifest lists ${name} twice`);
    seen.add(name);
  }
  return problems.length > 0 ? { problems } : manifest;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

/** `name` resolved under `dir`; throws when it is not inside it (checks the text only: see bundleTarget). */
export function bundlePath(dir: string, name: string): string {
  const root = resolve(dir);
  const target = resolve(root, name);
  if (!inside(root, target)) throw new Error(`${JSON.stringify(name)} would be written outside ${root}`);
  return target;
}

/**
 * The path `name` is downloaded to under `dir`, its directories created. The manifest's schema
 * already refuses a name with `..` or a leading `/`; this checks the resolved path again, and the
 * real path of its directory, so a symlink inside DIR cannot lead a write out of it.
 */
export async function bundleTarget(dir: string, name: string): Promise<string> {
  const root = resolve(dir);
  const target = bundlePath(root, name);
  await mkdir(dirname(target), { recursive: true });
  const realRoot = await realpath(root);
  const realParent = await realpath(dirname(target));
  if (realParent !== realRoot && !inside(realRoot, realParent))
    throw new Error(`${JSON.stringify(name)} would be written outside ${root} (through a symlink)`);
  return target;
}

/** Whether something (a file, a directory, a symlink, even a dangling one) is at `path`. */
export async function occupied(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
