// Running one service as a child process with prefixed, readable logs, and knowing when it is ready.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { LocalEnvironment } from "@riposte/service-kit";
import type { ServicePackage } from "../services.js";
import { formatLogLine } from "./log-format.js";

export interface RunningChild {
  name: string;
  port: number;
  child: ChildProcess;
  /** The last lines the service wrote to stderr, to explain a failed start. */
  stderrTail: string[];
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  service: ServicePackage;
  port: number;
  env: Record<string, string>;
  prefix: string;
  useColor: boolean;
  /** Hand the service's log lines over as written (JSON), e.g. for tests that read trace fields. */
  raw?: boolean;
  write: (line: string) => void;
}

export function spawnService(options: SpawnOptions): RunningChild {
  const { service, port } = options;
  // `--import tsx` runs the TypeScript entry in this very process: Ctrl-C leaves no grandchild behind.
  const child = spawn(process.execPath, ["--import", "tsx", service.main], {
    cwd: service.dir,
    env: { ...options.env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderrTail: string[] = [];
  const pipe = (stream: NodeJS.ReadableStream | null, isStderr: boolean) => {
    if (!stream) return;
    createInterface({ input: stream }).on("line", (line) => {
      if (isStderr) {
        stderrTail.push(line);
        if (stderrTail.length > 20) stderrTail.shift();
      }
      options.write(options.raw ? line : `${options.prefix} ${formatLogLine(line, options.useColor)}`);
    });
  };
  pipe(child.stdout, false);
  pipe(child.stderr, true);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { name: service.descriptor.name, port, child, stderrTail, exited };
}

/** Resolves when GET /healthz answers; rejects if the process exits first or the time runs out. */
export async function waitUntilHealthy(running: RunningChild, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void running.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`${running.name} exited during start-up:\n${running.stderrTail.join("\n")}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${running.port}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${running.name} did not become healthy on port ${running.port} within ${timeoutMs} ms`);
}

/** SIGTERM, then SIGKILL after `graceMs` (services finish in-flight work within 10 s). */
export async function stopChild(running: RunningChild, graceMs = 10_000): Promise<void> {
  const { child } = running;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  child.kill("SIGTERM");
  await running.exited;
  clearTimeout(timer);
}

export interface LocalRun {
  emulatorHost: string;
  /** host:port of the Firestore emulator holding the incident ledger. */
  firestoreEmulatorHost?: string;
  projectId: string;
  /** The local stand-ins; without them a service's `localEnv` is not applied. */
  local?: LocalEnvironment;
}

/**
 * The environment a service gets when it runs on this machine (`riposte dev`, the end-to-end tests,
 * the benchmarks): the emulators (Pub/Sub, and Firestore for the ledger), the project, no metadata-server probing, no OTLP metrics or logs
 * (the SDK's shutdown would wait ~8 s for them), spans to the local receiver, and the service's own
 * `localEnv`. Callers add the base environment (PATH, …) and their overrides.
 */
export function localServiceEnv(service: ServicePackage, run: LocalRun): Record<string, string> {
  return {
    PUBSUB_EMULATOR_HOST: run.emulatorHost,
    ...(run.firestoreEmulatorHost ? { FIRESTORE_EMULATOR_HOST: run.firestoreEmulatorHost } : {}),
    GOOGLE_CLOUD_PROJECT: run.projectId,
    METADATA_SERVER_DETECTION: "none",
    OTEL_METRICS_EXPORTER: "none",
    OTEL_LOGS_EXPORTER: "none",
    ...(run.local?.otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: run.local.otlpEndpoint } : {}),
    ...(run.local ? service.descriptor.localEnv?.(run.local) : {}),
  };
}
