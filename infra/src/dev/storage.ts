// `riposte dev`'s Cloud Storage: the stand-in from @riposte/standins on a free port, with the bucket
// the capture service writes evidence bundles to, as `riposte evidence` later reads them. Its URL
// goes to the services (LocalEnvironment.storageEndpoint) and to the dev state file.
import { startStorageStandin } from "@riposte/standins";

/** The bucket created on the stand-in (LocalEnvironment.evidenceBucket). */
export const DEV_EVIDENCE_BUCKET = "riposte-evidence-local";

export interface DevStorage {
  /** `http://127.0.0.1:PORT`, as STORAGE_EMULATOR_HOST and the client's apiEndpoint take it. */
  url: string;
  bucket: string;
  close(): Promise<void>;
}

export async function startDevStorage(say: (line: string) => void): Promise<DevStorage> {
  const standin = await startStorageStandin({ host: "127.0.0.1" });
  standin.seedBucket(DEV_EVIDENCE_BUCKET);
  say(`Cloud Storage stand-in on ${standin.url}, bucket ${DEV_EVIDENCE_BUCKET}`);
  return { url: standin.url, bucket: DEV_EVIDENCE_BUCKET, close: () => standin.close() };
}
