import { existsSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./emulator.js";
import { cloudSdkRoots, EmulatorNotFoundError, emulatorAnswers, startJavaEmulator } from "./java-emulator.js";

export interface FirestoreEmulator {
  /** host:port, the value for FIRESTORE_EMULATOR_HOST. */
  host: string;
  port: number;
  /** The emulator's process id; undefined when an emulator given by FIRESTORE_EMULATOR_HOST is used. */
  pid: number | undefined;
  stop(): Promise<void>;
}

export interface FirestoreEmulatorOptions {
  port?: number;
  /** Explicit jar path; defaults to FIRESTORE_EMULATOR_JAR or the one under the Cloud SDK. */
  jar?: string;
  startTimeoutMs?: number;
  /** Where the emulator's own output goes (default: discarded, kept for the error message). */
  onOutput?: (line: string) => void;
  /** Where to look for the jar: FIRESTORE_EMULATOR_JAR, PATH, CLOUDSDK_ROOT_DIR (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Cloud SDK roots to look under (default: the usual places and the `gcloud` on PATH's). */
  sdkRoots?: string[];
}

const FIRESTORE_INSTALL_HINT =
  "Install Java 17 and the Firestore emulator from the Google Cloud SDK " +
  "(`apt-get install google-cloud-cli google-cloud-cli-firestore-emulator openjdk-17-jre-headless`, " +
  "or `gcloud components install cloud-firestore-emulator`), set FIRESTORE_EMULATOR_JAR to the " +
  "emulator jar, or set FIRESTORE_EMULATOR_HOST to a running emulator.";

const JAR_IN_SDK = join("platform", "cloud-firestore-emulator", "cloud-firestore-emulator.jar");
const MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore";

export interface JarSearch {
  explicit?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Cloud SDK roots to look under (default: the `gcloud` on PATH's, $CLOUDSDK_ROOT_DIR, the usual places). */
  sdkRoots?: string[];
}

/** Finds the emulator jar: explicit path, $FIRESTORE_EMULATOR_JAR, or under a Cloud SDK root. */
export function findFirestoreEmulatorJar(search: JarSearch = {}): string {
  const env = search.env ?? process.env;
  const candidates: string[] = [];
  if (search.explicit) candidates.push(search.explicit);
  if (env.FIRESTORE_EMULATOR_JAR) candidates.push(env.FIRESTORE_EMULATOR_JAR);
  for (const sdkRoot of search.sdkRoots ?? cloudSdkRoots(env)) candidates.push(join(sdkRoot, JAR_IN_SDK));
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new EmulatorNotFoundError(`Firestore emulator not found. ${FIRESTORE_INSTALL_HINT}`);
  return found;
}

/**
 * The emulator named by FIRESTORE_EMULATOR_HOST when it is set (checked to answer, never stopped
 * here), otherwise a new one on a free port.
 */
export async function useFirestoreEmulator(
  options: FirestoreEmulatorOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<FirestoreEmulator> {
  const given = env.FIRESTORE_EMULATOR_HOST;
  if (!given) return startFirestoreEmulator({ env, ...options });
  if (!(await emulatorAnswers(given))) {
    throw new Error(`FIRESTORE_EMULATOR_HOST is ${given}, but no Firestore emulator answers there`);
  }
  const port = Number(given.slice(given.lastIndexOf(":") + 1));
  return { host: given, port, pid: undefined, stop: async () => {} };
}

export async function startFirestoreEmulator(
  options: FirestoreEmulatorOptions = {},
): Promise<FirestoreEmulator> {
  const jar = findFirestoreEmulatorJar({
    explicit: options.jar,
    ...(options.env ? { env: options.env } : {}),
    ...(options.sdkRoots ? { sdkRoots: options.sdkRoots } : {}),
  });
  const port = options.port ?? (await freePort());
  const host = `127.0.0.1:${port}`;
  const emulator = await startJavaEmulator({
    name: "Firestore emulator",
    installHint: FIRESTORE_INSTALL_HINT,
    // English messages: the emulator supports no other locale (as the SDK's own wrapper script says).
    args: ["-Duser.language=en", "-cp", jar, MAIN_CLASS, "start", "--host=127.0.0.1", `--port=${port}`],
    host,
    ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
  });
  return { host, port, ...emulator };
}
