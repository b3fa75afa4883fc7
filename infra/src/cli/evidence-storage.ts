// Where `riposte evidence` reads bundles: the Cloud Storage emulator STORAGE_EMULATOR_HOST names, the
// stand-in a running `riposte dev` recorded, or Cloud Storage itself with Application Default
// Credentials — found in the same order as the ledger (ledger-target.ts). And the reads it makes:
// one object, a prefix's listing, and a download streamed to disk while it is measured and hashed.
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { type Bucket, Storage } from "@google-cloud/storage";
import { EVIDENCE_SHA256_METADATA, type EvidenceObject } from "@riposte/contracts";
import type { CliEnv } from "./config.js";
import { readDevState } from "./pubsub-target.js";
import { requireRunning } from "./reachable.js";

// A CLI waits for an answer, not for 10 minutes of retries (the client's default).
const CLI_STORAGE_RETRIES = { maxRetries: 3, totalTimeout: 60, maxRetryDelay: 4 } as const;

export interface StorageWhere {
  /** An emulator's or stand-in's URL; absent: Cloud Storage. */
  apiEndpoint?: string;
  describe: string;
}

/** `host:port` as STORAGE_EMULATOR_HOST may say it, as the URL the client and the reachability check take. */
function asUrl(endpoint: string): string {
  return endpoint.includes("://") ? endpoint : `http://${endpoint}`;
}

export function storageLocation(env: CliEnv, project: string | undefined): StorageWhere {
  // The client library itself would use an emulator named in the environment: it wins, as for Firestore.
  if (env.STORAGE_EMULATOR_HOST)
    return {
      apiEndpoint: asUrl(env.STORAGE_EMULATOR_HOST),
      describe: `Cloud Storage emulator ${env.STORAGE_EMULATOR_HOST} (STORAGE_EMULATOR_HOST)`,
    };
  const dev = project ? undefined : readDevState(env);
  if (dev?.storageEndpoint)
    return {
      apiEndpoint: dev.storageEndpoint,
      describe: `the storage stand-in of npm start, ${dev.storageEndpoint}`,
    };
  return { describe: "Cloud Storage, Application Default Credentials" };
}

export interface EvidenceStorage {
  describe: string;
  bucket(name: string): Bucket;
}

export async function openEvidenceStorage(
  env: CliEnv,
  project: string | undefined,
): Promise<EvidenceStorage> {
  const where = storageLocation(env, project);
  if (where.apiEndpoint)
    await requireRunning(
      "Cloud Storage emulator",
      where.apiEndpoint,
      "start the pipeline with `npm start`, or set STORAGE_EMULATOR_HOST to a running one",
    );
  // A custom apiEndpoint makes the client send no credentials; without one it uses ADC.
  const storage = new Storage({
    ...(where.apiEndpoint ? { apiEndpoint: where.apiEndpoint } : {}),
    ...(project ? { projectId: project } : {}),
    retryOptions: CLI_STORAGE_RETRIES,
  });
  return { describe: where.describe, bucket: (name) => storage.bucket(name) };
}

function statusOf(error: unknown): number | string | undefined {
  return (error as { code?: number | string }).code;
}

function firstLine(error: unknown): string {
  return String((error as Error).message ?? error).split("\n")[0] ?? "";
}

class Oversized extends Error {}

/** The object's bytes; undefined when it does not exist. Throws past maxBytes: it is read into memory. */
export async function readObject(
  bucket: Bucket,
  name: string,
  maxBytes: number,
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of bucket.file(name).createReadStream() as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw new Oversized(`${name} is larger than ${maxBytes} bytes`);
      chunks.push(chunk);
    }
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
  return Buffer.concat(chunks);
}

export interface StoredObject {
  /** Relative to the prefix. */
  name: string;
  size: number;
  /** The SHA-256 its writer set as metadata; null when it set none. */
  sha256: string | null;
}

/** Every object under `prefix`, by name; or why the listing was refused (no storage.objects.list). */
export async function listPrefix(
  bucket: Bucket,
  prefix: string,
): Promise<{ objects: StoredObject[] } | { refused: string }> {
  try {
    const [files] = await bucket.getFiles({ prefix });
    return {
      objects: files
        .map((file) => {
          const sha256 = file.metadata.metadata?.[EVIDENCE_SHA256_METADATA];
          return {
            name: file.name.slice(prefix.length),
            size: Number(file.metadata.size ?? 0),
            sha256: typeof sha256 === "string" ? sha256 : null,
          };
        })
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    };
  } catch (error) {
    const status = statusOf(error);
    if (status === 403 || status === 401) return { refused: `HTTP ${status}: ${firstLine(error)}` };
    throw error;
  }
}

/**
 * Downloads `objectName` to `target`, through a temporary file beside it renamed into place only
 * when its size and SHA-256 are the manifest's: bytes that do not match are never left under the
 * object's name. Returns what was wrong, or undefined when it matched.
 */
export async function downloadVerified(
  bucket: Bucket,
  objectName: string,
  expected: Pick<EvidenceObject, "size" | "sha256">,
  target: string,
): Promise<string | undefined> {
  const partial = `${target}.partial-${randomBytes(6).toString("hex")}`;
  const hash = createHash("sha256");
  let size = 0;
  try {
    await pipeline(
      bucket.file(objectName).createReadStream(),
      async function* measure(source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          size += chunk.length;
          // Stop at once: a replaced object may be far larger than the one captured.
          if (size > expected.size) throw new Oversized();
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(partial, { flags: "wx" }),
    );
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof Oversized) return `more than the manifest's ${expected.size} bytes`;
    if (statusOf(error) === 404) return "not in the bucket";
    return `download failed: ${firstLine(error)}`;
  }
  const sha256 = hash.digest("hex");
  const problem =
    size !== expected.size
      ? `${size} bytes, the manifest says ${expected.size}`
      : sha256 !== expected.sha256
        ? `SHA-256 ${sha256}, the manifest says ${expected.sha256}`
        : undefined;
  if (problem) {
    await rm(partial, { force: true });
    return problem;
  }
  // rename replaces whatever is at target (--force), a symlink itself rather than what it points to.
  await rename(partial, target);
  return undefined;
}
