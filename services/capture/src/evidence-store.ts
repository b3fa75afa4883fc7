// The evidence bucket, as capture uses it: objects created once and never replaced (ifGenerationMatch
// 0), each carrying its SHA-256 as custom metadata (for readers), and the manifest read back on
// redelivery. A create answered 412 means an earlier delivery (or a response lost on its way back)
// already stored the object: what is stored is kept, and the hash of its bytes — read back, never
// taken from its metadata, which whoever wrote it chose — goes into the manifest.
import { createHash } from "node:crypto";
import type { Storage } from "@google-cloud/storage";
import { EVIDENCE_MANIFEST, EVIDENCE_SHA256_METADATA, EvidenceManifest } from "@riposte/contracts";

/** A Cloud Storage call failed; `transient`: retrying may succeed (5xx, 429, no answer). */
export class EvidenceStorageError extends Error {
  override readonly name = "EvidenceStorageError";
  constructor(
    message: string,
    readonly transient: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface StoredObject {
  size: number;
  sha256: string;
  /** The stored bytes are this delivery's: it created them, or its response was lost and they match. */
  ours: boolean;
}

export interface EvidenceStore {
  readonly bucket: string;
  /** `gs://bucket/prefix`. */
  url(prefix: string): string;
  /** The bundle's manifest when the bundle is complete; undefined when there is none yet. */
  readManifest(prefix: string): Promise<EvidenceManifest | undefined>;
  /** Creates `path` with `content` unless it exists; either way, what is stored there. */
  createOnce(path: string, content: Buffer, contentType: string): Promise<StoredObject>;
}

export const sha256Of = (content: Buffer): string => createHash("sha256").update(content).digest("hex");

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "number" ? code : undefined;
}

/** What a failed call means: permission and request errors are final, the rest may pass. */
function storageError(doing: string, error: unknown): EvidenceStorageError {
  const status = statusOf(error);
  const message = (error as Error)?.message ?? String(error);
  const transient = status === undefined || status === 408 || status === 429 || status >= 500;
  return new EvidenceStorageError(
    `${doing}: ${status === undefined ? "no answer from Cloud Storage" : `Cloud Storage answered ${status}`}: ${message.slice(0, 300)}`,
    transient,
    { cause: error },
  );
}

/**
 * `writes` uploads (its retries stay within a delivery); `reads` downloads with the client's retries
 * off: @google-cloud/storage 8.4's download retry after a 5xx leaves an unhandled stream error behind
 * (ERR_STREAM_UNABLE_TO_PIPE) that would end the process. A failed read is this delivery's 503
 * instead, and Pub/Sub's redelivery is the retry.
 */
export function createEvidenceStore(
  clients: { writes: Storage; reads: Storage },
  bucketName: string,
): EvidenceStore {
  const bucket = clients.writes.bucket(bucketName);
  const readBucket = clients.reads.bucket(bucketName);

  async function stored(path: string, sha256: string): Promise<StoredObject> {
    const [content] = await readBucket.file(path).download();
    const storedSha256 = sha256Of(content);
    return { size: content.length, sha256: storedSha256, ours: storedSha256 === sha256 };
  }

  return {
    bucket: bucketName,
    url: (prefix) => `gs://${bucketName}/${prefix}`,

    async readManifest(prefix) {
      let content: Buffer;
      try {
        [content] = await readBucket.file(`${prefix}${EVIDENCE_MANIFEST}`).download();
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw storageError(`reading ${EVIDENCE_MANIFEST}`, error);
      }
      let json: unknown;
      try {
        json = JSON.parse(content.toString("utf8"));
      } catch {
        throw new EvidenceStorageError(`${EVIDENCE_MANIFEST} under ${prefix} is not JSON`, false);
      }
      const parsed = EvidenceManifest.safeParse(json);
      if (!parsed.success)
        throw new EvidenceStorageError(
          `${EVIDENCE_MANIFEST} under ${prefix} is not a manifest: ${parsed.error.issues[0]?.message}`,
          false,
        );
      return parsed.data;
    },

    async createOnce(path, content, contentType) {
      const sha256 = sha256Of(content);
      try {
        // Single request (no resumable session to lose); with the precondition the client may retry it.
        await bucket.file(path).save(content, {
          resumable: false,
          contentType,
          metadata: { contentType, metadata: { [EVIDENCE_SHA256_METADATA]: sha256 } },
          preconditionOpts: { ifGenerationMatch: 0 },
        });
        return { size: content.length, sha256, ours: true };
      } catch (error) {
        if (statusOf(error) !== 412) throw storageError(`writing ${path}`, error);
      }
      try {
        return await stored(path, sha256);
      } catch (error) {
        throw storageError(`reading ${path}, which an earlier delivery stored`, error);
      }
    },
  };
}
