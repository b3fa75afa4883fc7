// Starts the real Firestore emulator (the jar the Cloud SDK installs) on a free port for tests and
// `riposte dev`, and stops it again. No mock: transactions, create-if-absent and contention are real.
// The jar is run directly (not through `gcloud emulators firestore start`), so stopping it stops the
// JVM itself instead of leaving it orphaned behind gcloud's Python wrapper.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { EmulatorNotFoundError, freePort } from "./emulator.js";

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

function cloudSdkRoots(env: NodeJS.ProcessEnv): string[] {
  const roots = ["/usr/lib/google-cloud-sdk", "/usr/share/google-cloud-sdk", "/opt/google-cloud-sdk"];
  if (env.CLOUDSDK_ROOT_DIR) roots.unshift(env.CLOUDSDK_ROOT_DIR);
  for (const dir of (env.PATH ?? "").split(":")) {
    const gcloud = join(dir, "gcloud");
    if (existsSync(gcloud)) roots.unshift(dirname(dirname(realpathSync(gcloud))));
  }
  return roots;
}

function assertJava(): void {
  try {
    execFileSync("java", ["-version"], { stdio: "ignore" });
  } catch {
    throw new EmulatorNotFoundError(
      `\`java\` is not on PATH; the Firestore emulator needs it. ${FIRESTORE_INSTALL_HINT}`,
    );
  }
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
  if (!(await answers(given))) {
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
  assertJava();
  const port = options.port ?? (await freePort());
  const host = `127.0.0.1:${port}`;
  // English messages: the emulator supports no other locale (as the SDK's own wrapper script says).
  const args = ["-Duser.language=en", "-cp", jar, MAIN_CLASS, "start", "--host=127.0.0.1", `--port=${port}`];
  const child = spawn("java", args, { stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line.trim()) continue;
      output.push(line);
      if (output.length > 50) output.shift();
      options.onOutput?.(line);
    }
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  try {
    await waitUntilReady(host, child, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(
      `Firestore emulator did not start on ${host}: ${(error as Error).message}\n${output.join("\n")}`,
    );
  }
  return { host, port, pid: child.pid, stop: () => stopChild(child) };
}

/** The emulator answers "Ok" on its root once it serves. */
async function answers(host: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function waitUntilReady(host: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`emulator exited with code ${child.exitCode}`);
    if (await answers(host)) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`not ready after ${timeoutMs} ms`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
