// What capture's tests run against: the simulated cluster (demo seed) and the Cloud Storage stand-in
// with the test bucket, fresh before each test, and the evidence store as the service builds it on
// the stand-in (its client's retries made fast). Tests only: nothing the service runs imports it.
import { Storage } from "@google-cloud/storage";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { type StorageStandin, startStorageStandin, storageClientOptionsFor } from "@riposte/standins";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createEvidenceStore, type EvidenceStore } from "../evidence-store.js";

export const TEST_BUCKET = "riposte-evidence-test";

/** Starts both fakes for the file (vitest hooks) and hands them to `use` once started. */
export function useCaptureFakes(use: (fakes: { sim: SimCluster; storage: StorageStandin }) => void): void {
  let sim: SimCluster;
  let storage: StorageStandin;
  beforeAll(async () => {
    [sim, storage] = await Promise.all([startSim({ seed: demoSeed() }), startStorageStandin()]);
    use({ sim, storage });
  });
  afterAll(async () => {
    await Promise.all([sim?.stop(), storage?.close()]);
  });
  beforeEach(() => {
    sim.reset();
    storage.reset();
    storage.seedBucket(TEST_BUCKET);
  });
}

/** The service's two clients (writes retried once at once; reads not retried) on the stand-in. */
export function evidenceStoreOn(storage: StorageStandin): EvidenceStore {
  const writes = new Storage({
    ...storageClientOptionsFor(storage),
    // maxRetryDelay cannot go below 1 (s); the multiplier near 0 makes the waits ~0.
    retryOptions: {
      autoRetry: true,
      maxRetries: 1,
      maxRetryDelay: 1,
      retryDelayMultiplier: 0.001,
      totalTimeout: 10,
    },
  });
  const reads = new Storage({ ...storageClientOptionsFor(storage), retryOptions: { autoRetry: false } });
  return createEvidenceStore({ writes, reads }, TEST_BUCKET);
}
