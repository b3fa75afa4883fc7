// `riposte sim`: run the simulated cluster standalone until SIGINT/SIGTERM, printing how to reach it.

import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoSeed } from "./demo-seed.js";
import type { KubeObject } from "./json.js";
import type { AnonymousPolicy } from "./rbac.js";
import { type SimCluster, type SimOptions, startSim } from "./sim.js";

export const SIM_USAGE = `Usage: riposte sim [--port N] [--host H] [--seed FILE.yaml…] [--rbac FILE.yaml…] [--https]
                   [--demo] [--token TOKEN=USER…] [--anonymous full-access|deny]

Runs an in-memory Kubernetes API server (v1.32) that kubectl and client libraries can drive.
  --port N          listen port (default 6443; 0 picks a free one)
  --host H          listen address (default 127.0.0.1)
  --seed FILE…      Kubernetes manifests to create at start (YAML, multi-document)
  --demo            also create the demo cluster matching the Falco samples in examples/
  --rbac FILE…      Role/ClusterRole/RoleBinding/ClusterRoleBinding manifests; anonymous requests
                    are then refused unless --anonymous full-access
  --token T=USER    accept bearer token T as USER (repeatable); kubectl sends tokens only over HTTPS
  --https           serve HTTPS with a generated certificate (written to a temp file for kubectl)
  --anonymous P     full-access (default without --rbac) or deny
Admin endpoint (faults, request log, reset): <url>/__sim/`;

export class SimCliUsageError extends Error {
  constructor(message: string) {
    super(`${message}\n\n${SIM_USAGE}`);
    this.name = "SimCliUsageError";
  }
}

export interface SimCliIo {
  /** Where the banner and status lines go (default: stdout). */
  write?: (text: string) => void;
  /** Stops the sim when aborted (in addition to SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Called once the sim listens. */
  onStarted?: (sim: SimCluster) => void;
}

interface CliArgs {
  port: number;
  host: string;
  seeds: string[];
  rbac: string[];
  tokens: Record<string, string>;
  https: boolean;
  demo: boolean;
  anonymous?: AnonymousPolicy;
  help: boolean;
}

/** Parses flags; `--seed a.yaml b.yaml` takes every following non-flag argument. */
export function parseSimArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = {
    port: 6443,
    host: "127.0.0.1",
    seeds: [],
    rbac: [],
    tokens: {},
    https: false,
    demo: false,
    help: false,
  };
  let i = 0;
  const valuesOf = (flag: string, inline: string | undefined): string[] => {
    if (inline !== undefined) return [inline];
    const values: string[] = [];
    while (i + 1 < argv.length && !(argv[i + 1] ?? "").startsWith("--")) {
      i++;
      values.push(argv[i] ?? "");
    }
    if (values.length === 0) throw new SimCliUsageError(`${flag} needs a value`);
    return values;
  };
  const single = (flag: string, inline: string | undefined): string => {
    const [value, ...extra] = valuesOf(flag, inline);
    if (extra.length > 0)
      throw new SimCliUsageError(`${flag} takes one value, got ${[value, ...extra].join(" ")}`);
    return value ?? "";
  };
  for (; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq !== -1 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith("--") && eq !== -1 ? arg.slice(eq + 1) : undefined;
    switch (flag) {
      case "--port": {
        const raw = single(flag, inline);
        const port = Number(raw);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new SimCliUsageError(`--port ${JSON.stringify(raw)} is not a port number (0-65535)`);
        }
        args.port = port;
        break;
      }
      case "--host":
        args.host = single(flag, inline);
        break;
      case "--seed":
        args.seeds.push(...valuesOf(flag, inline));
        break;
      case "--rbac":
        args.rbac.push(...valuesOf(flag, inline));
        break;
      case "--token":
        for (const pair of valuesOf(flag, inline)) {
          const at = pair.indexOf("=");
          if (at <= 0 || at === pair.length - 1) {
            throw new SimCliUsageError(`--token ${JSON.stringify(pair)} must look like TOKEN=USER`);
          }
          args.tokens[pair.slice(0, at)] = pair.slice(at + 1);
        }
        break;
      case "--anonymous": {
        const value = single(flag, inline);
        if (value !== "full-access" && value !== "deny") {
          throw new SimCliUsageError(`--anonymous ${JSON.stringify(value)} must be full-access or deny`);
        }
        args.anonymous = value;
        break;
      }
      case "--https":
        args.https = true;
        break;
      case "--demo":
        args.demo = true;
        break;
      case "--help":
      case "-h":
        args.help = true;
        break;
      default:
        throw new SimCliUsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return args;
}

async function readFiles(paths: readonly string[]): Promise<string[]> {
  return Promise.all(
    paths.map(async (path) => {
      try {
        return await readFile(path, "utf8");
      } catch (error) {
        throw new SimCliUsageError(`cannot read ${path}: ${(error as Error).message}`);
      }
    }),
  );
}

/** Runs `riposte sim …` until SIGINT/SIGTERM (or `io.signal`); resolves once stopped. */
export async function runSimCli(argv: string[], io: SimCliIo = {}): Promise<void> {
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  const args = parseSimArgs(argv);
  if (args.help) {
    write(`${SIM_USAGE}\n`);
    return;
  }
  const seed: (string | KubeObject)[] = [...(args.demo ? demoSeed() : []), ...(await readFiles(args.seeds))];
  const options: SimOptions = {
    port: args.port,
    host: args.host,
    https: args.https,
    rbac: await readFiles(args.rbac),
    tokens: args.tokens,
    seed,
    ...(args.anonymous ? { anonymous: args.anonymous } : {}),
  };
  const sim = await startSim(options);
  let caFile: string | undefined;
  if (sim.caCert) {
    caFile = join(tmpdir(), `k8s-sim-${sim.port}-ca.crt`);
    await writeFile(caFile, sim.caCert);
  }
  const anonymous = options.anonymous ?? (args.rbac.length > 0 ? "deny" : "full-access");
  const firstToken = Object.keys(args.tokens)[0];
  const kubectl = [
    "kubectl",
    `--server ${sim.url}`,
    ...(caFile ? [`--certificate-authority ${caFile}`] : []),
    ...(anonymous === "deny" && firstToken && sim.caCert ? [`--token ${firstToken}`] : []),
    "get pods -A",
  ].join(" ");
  write(
    [
      `k8s-sim: simulated Kubernetes API (v1.32) listening on ${sim.url}`,
      `  anonymous requests: ${anonymous === "full-access" ? "full access" : "refused (401)"}; tokens: ${Object.keys(args.tokens).length}`,
      ...(caFile ? [`  certificate: ${caFile}`] : []),
      `  try: ${kubectl}`,
      `  admin: ${sim.url}/__sim/`,
      "",
    ].join("\n"),
  );
  io.onStarted?.(sim);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      io.signal?.removeEventListener("abort", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener("abort", stop);
  });
  await sim.stop();
  write("k8s-sim: stopped\n");
}
