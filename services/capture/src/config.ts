// capture's own variables (the actioner kit's are added beside them) and the evidence store built
// from them at start.
import { Storage } from "@google-cloud/storage";
import { EvidenceBucketName } from "@riposte/contracts";
import { z } from "zod";
import { createEvidenceStore, type EvidenceStore } from "./evidence-store.js";

export const captureEnv = {
  EVIDENCE_BUCKET: EvidenceBucketName.describe(
    "the Cloud Storage bucket evidence bundles are written to (the deploy plan creates it)",
  ),
  STORAGE_EMULATOR_HOST: z
    .url()
    .optional()
    .describe("a local Cloud Storage endpoint (riposte dev's stand-in); unset in production"),
};

export type CaptureConfig = z.output<z.ZodObject<typeof captureEnv>>;

/**
 * The client's retries are kept inside one delivery's step (CAPTURE_STEP_TIMEOUT_MS): one retry a
 * second later, then the delivery answers 503 and Pub/Sub's redelivery is the longer backoff.
 * (maxRetryDelay is in seconds and cannot go below 1.)
 */
const RETRY_OPTIONS = { autoRetry: true, maxRetries: 1, maxRetryDelay: 1, totalTimeout: 10 } as const;

export function evidenceStoreFrom(config: CaptureConfig): EvidenceStore {
  // A custom endpoint sends no credentials: only the local stand-in.
  const endpoint = config.STORAGE_EMULATOR_HOST ? { apiEndpoint: config.STORAGE_EMULATOR_HOST } : {};
  return createEvidenceStore(
    {
      writes: new Storage({ retryOptions: RETRY_OPTIONS, ...endpoint }),
      // Reads are not retried by the client (see createEvidenceStore): the redelivery retries them.
      reads: new Storage({ retryOptions: { autoRetry: false }, ...endpoint }),
    },
    config.EVIDENCE_BUCKET,
  );
}
