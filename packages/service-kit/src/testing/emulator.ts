// Starts the real Pub/Sub emulator (the jar shipped with the Cloud SDK) on a free port for tests
// and `riposte dev`, and stops it again. No mock: push, retry and dead-letter policies are real.
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { cloudSdkRoots, EmulatorNotFoundError, startJavaEmulator } from "./java-emulator.js";

export interface PubSubEmulator {
  /** host:port, the value for PUBSUB_EMULATOR_HOST. */
  host: string;
  port: number;
  projectId: string;
  /** The emulator's process id, for a synchronous kill when the parent exits abruptly. */
  pid: number | undefined;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  port?: number;
  projectId?: string;
  /** Explicit jar path; defaults to PUBSUB_EMULATOR_JAR or the one under the Cloud SDK. */
  jar?: string;
  startTimeoutMs?: number;
  /** Where the emulator's own output goes (default: discarded, kept for the error message). */
  onOutput?: (line: string) => void;
}

export { EmulatorNotFoundError };

const INSTALL_HINT =
  "Install Java 17 and the Pub/Sub emulator from the Google Cloud SDK " +
  "(`apt-get install google-cloud-cli google-cloud-cli-pubsub-emulator openjdk-17-jre-headless`, " +
  "or `gcloud components install pubsub-emulator`), or set PUBSUB_EMULATOR_JAR to the emulator jar.";

/** Finds the emulator jar: explicit path, $PUBSUB_EMULATOR_JAR, or next to the `gcloud` on PATH. */
export function findEmulatorJar(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const candidates: string[] = [];
  if (explicit) candidates.push(explicit);
  if (env.PUBSUB_EMULATOR_JAR) candidates.push(env.PUBSUB_EMULATOR_JAR);
  for (const sdkRoot of cloudSdkRoots(env)) {
    const lib = join(sdkRoot, "platform", "pubsub-emulator", "lib");
    if (!existsSync(lib)) continue;
    const jar = readdirSync(lib).find((file) => /^cloud-pubsub-emulator-.*\.jar$/.test(file));
    if (jar) candidates.push(join(lib, jar));
  }
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new EmulatorNotFoundError(`Pub/Sub emulator not found. ${INSTALL_HINT}`);
  return found;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startPubSubEmulator(options: EmulatorOptions = {}): Promise<PubSubEmulator> {
  const jar = findEmulatorJar(options.jar);
  const port = options.port ?? (await freePort());
  const projectId = options.projectId ?? "riposte-local";
  const host = `127.0.0.1:${port}`;
  const emulator = await startJavaEmulator({
    name: "Pub/Sub emulator",
    installHint: INSTALL_HINT,
    args: ["-jar", jar, "--host=127.0.0.1", `--port=${port}`],
    host,
    ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
  });
  return { host, port, projectId, ...emulator };
}
