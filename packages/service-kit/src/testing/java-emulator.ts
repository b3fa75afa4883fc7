// What the Cloud SDK's emulators (Pub/Sub, Firestore) share: a JVM started on 127.0.0.1, ready when it
// answers "Ok" on its root, its last output kept for the error when it does not start, and stopped
// with SIGTERM (SIGKILL 5 s later).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";

/** Java or an emulator's jar is not installed: the message names what to install. */
export class EmulatorNotFoundError extends Error {
  override readonly name = "EmulatorNotFoundError";
}

export interface JavaEmulatorStart {
  /** Named in errors: "Pub/Sub emulator". */
  name: string;
  /** What to install, named when java is missing. */
  installHint: string;
  /** `java`'s arguments. */
  args: readonly string[];
  host: string;
  startTimeoutMs?: number;
  onOutput?: (line: string) => void;
}

export interface RunningJavaEmulator {
  pid: number | undefined;
  stop(): Promise<void>;
}

export function assertJava(name: string, installHint: string): void {
  try {
    execFileSync("java", ["-version"], { stdio: "ignore" });
  } catch {
    throw new EmulatorNotFoundError(`\`java\` is not on PATH; the ${name} needs it. ${installHint}`);
  }
}

export async function startJavaEmulator(start: JavaEmulatorStart): Promise<RunningJavaEmulator> {
  assertJava(start.name, start.installHint);
  const child = spawn("java", [...start.args], { stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line.trim()) continue;
      output.push(line);
      if (output.length > 50) output.shift();
      start.onOutput?.(line);
    }
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  try {
    await waitUntilReady(start.host, child, start.startTimeoutMs ?? 30_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(
      `${start.name} did not start on ${start.host}: ${(error as Error).message}\n${output.join("\n")}`,
    );
  }
  return { pid: child.pid, stop: () => stopChild(child) };
}

/** The emulators answer "Ok" on their root once they serve. */
export async function emulatorAnswers(host: string): Promise<boolean> {
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
    if (await emulatorAnswers(host)) return;
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

/** Where a Cloud SDK may be installed: CLOUDSDK_ROOT_DIR, the one of the gcloud on PATH, the usual places. */
export function cloudSdkRoots(env: NodeJS.ProcessEnv): string[] {
  const roots = ["/usr/lib/google-cloud-sdk", "/usr/share/google-cloud-sdk", "/opt/google-cloud-sdk"];
  if (env.CLOUDSDK_ROOT_DIR) roots.unshift(env.CLOUDSDK_ROOT_DIR);
  for (const dir of (env.PATH ?? "").split(":")) {
    const gcloud = join(dir, "gcloud");
    if (existsSync(gcloud)) roots.unshift(dirname(dirname(realpathSync(gcloud))));
  }
  return roots;
}
