// Starts the real Pub/Sub emulator (the jar shipped with the Cloud SDK) on a free port for tests
// and `riposte dev`, and stops it again. No mock: push, retry and dead-letter policies are real.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";

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

export class EmulatorNotFoundError extends Error {
  override readonly name = "EmulatorNotFoundError";
}

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

function cloudSdkRoots(env: NodeJS.ProcessEnv): string[] {
  const roots = ["/usr/lib/google-cloud-sdk", "/usr/share/google-cloud-sdk", "/opt/google-cloud-sdk"];
  if (env.CLOUDSDK_ROOT_DIR) roots.unshift(env.CLOUDSDK_ROOT_DIR);
  for (const dir of (env.PATH ?? "").split(":")) {
    const gcloud = join(dir, "gcloud");
    if (existsSync(gcloud)) roots.unshift(dirname(dirname(realpathSync(gcloud))));
  }
  return roots;
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

function assertJava(): void {
  try {
    execFileSync("java", ["-version"], { stdio: "ignore" });
  } catch {
    throw new EmulatorNotFoundError(
      `\`java\` is not on PATH; the Pub/Sub emulator needs it. ${INSTALL_HINT}`,
    );
  }
}

export async function startPubSubEmulator(options: EmulatorOptions = {}): Promise<PubSubEmulator> {
  const jar = findEmulatorJar(options.jar);
  assertJava();
  const port = options.port ?? (await freePort());
  const projectId = options.projectId ?? "riposte-local";
  const host = `127.0.0.1:${port}`;
  const child = spawn("java", ["-jar", jar, "--host=127.0.0.1", `--port=${port}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
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
      `Pub/Sub emulator did not start on ${host}: ${(error as Error).message}\n${output.join("\n")}`,
    );
  }
  return { host, port, projectId, pid: child.pid, stop: () => stopChild(child) };
}

async function waitUntilReady(host: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`emulator exited with code ${child.exitCode}`);
    try {
      // The emulator answers "Ok" on its root once the gRPC/HTTP listener is up.
      const response = await fetch(`http://${host}/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
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
