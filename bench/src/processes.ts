// Running a bundle (a service's or a floor's) as its own process, as Cloud Run runs it: `node main.mjs`
// with the environment given and nothing else. The benchmark reads its output lines with their arrival
// time, its resident memory from /proc, and stops it with SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { createInterface } from "node:readline";

export interface OutputLine {
  /** performance.now() in the benchmark process when the line arrived. */
  at: number;
  text: string;
}

export interface BundleProcess {
  name: string;
  port: number;
  child: ChildProcess;
  /** performance.now() just before spawn. */
  spawnedAt: number;
  /** The last lines written to stderr, to explain a failure. */
  stderrTail: string[];
  exited: Promise<number | null>;
  /** Resident set size in bytes (Linux /proc), undefined once the process is gone. */
  rssBytes(): number | undefined;
  /** CPU time used so far (user + system, all threads), in ms (Linux /proc); undefined once it is gone. */
  cpuMs(): number | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartBundleOptions {
  name: string;
  /** Absolute path of the bundle's main.mjs. */
  entry: string;
  port: number;
  env: Record<string, string>;
  /** Extra node flags (profiling); production runs none. */
  nodeFlags?: readonly string[];
  /** Every stdout line, as it arrives. */
  onLine?: (line: OutputLine) => void;
}

export function startBundle(options: StartBundleOptions): BundleProcess {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), options.entry], {
    cwd: dirname(options.entry),
    env: { ...options.env, PORT: String(options.port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderrTail: string[] = [];
  if (child.stdout) {
    const onLine = options.onLine;
    if (onLine) {
      createInterface({ input: child.stdout }).on("line", (text) => onLine({ at: performance.now(), text }));
    } else {
      child.stdout.resume();
    }
  }
  if (child.stderr) {
    createInterface({ input: child.stderr }).on("line", (text) => {
      stderrTail.push(text);
      if (stderrTail.length > 30) stderrTail.shift();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    name: options.name,
    port: options.port,
    child,
    spawnedAt,
    stderrTail,
    exited,
    rssBytes: () => (child.pid === undefined ? undefined : rssOf(child.pid)),
    cpuMs: () => (child.pid === undefined ? undefined : cpuMsOf(child.pid)),
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      child.kill("SIGTERM");
      await exited;
      clearTimeout(timer);
    },
  };
}

/** VmRSS of a live process, in bytes. */
export function rssOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** utime + stime of a live process, in ms; on a shared machine this, not wall-clock time, is its own cost. */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at the state, field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    // USER_HZ is 100 on Linux.
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/** Why a process failed, for error messages: its exit code and the end of its stderr. */
export function describeFailure(process: BundleProcess): string {
  const code = process.child.exitCode;
  return `${process.name} (pid ${process.child.pid}${code !== null ? `, exited ${code}` : ""}):\n${process.stderrTail.join("\n")}`;
}

/** Resolves when GET `path` answers 2xx; rejects if the process exits first or time runs out. */
export async function waitForHttp(
  process: BundleProcess,
  path = "/healthz",
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (process.child.exitCode !== null)
      throw new Error(`exited during start-up: ${describeFailure(process)}`);
    try {
      const response = await fetch(`http://127.0.0.1:${process.port}${path}`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(
    `${process.name} did not answer GET ${path} within ${timeoutMs} ms: ${describeFailure(process)}`,
  );
}
