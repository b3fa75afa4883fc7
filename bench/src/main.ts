// `npm run bench` (full, ≈ 10 min, writes BENCHMARKS.md) and `npm run bench -- --quick` (smoke, under a
// minute, writes nothing). Every judged figure is a ratio against a floor measured in the same run.
import { writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import { ensureBundles } from "./bundles.js";
import { startEnvironment } from "./environment.js";
import { readFindings } from "./findings.js";
import { fiftyPlaybooksYaml } from "./playbooks.js";
import { renderMarkdown, renderText, type SuiteResult } from "./report.js";
import { runColdStart } from "./suites/cold-start.js";
import { runLatency } from "./suites/latency.js";
import { runRouterCore } from "./suites/router-core.js";
import { runRouterHttp } from "./suites/router-http.js";
import { runStorm } from "./suites/storm.js";

const usage = `Usage: npm run bench [-- OPTIONS]

  --quick        smoke run: fewer rounds and events (under a minute); BENCHMARKS.md is not written
  --only=1,3     run only these suites (1 core, 2 http, 3 latency, 4 storm, 5 cold start and 6 RSS)
  --rebuild      rebuild every bundle even if its sources did not change
  --no-write     do not write BENCHMARKS.md (a full run writes it by default)
  --profile      run the services with --cpu-prof; profiles land in bench/profiles/`;

export interface BenchOptions {
  quick: boolean;
  only: Set<string> | undefined;
  rebuild: boolean;
  write: boolean;
  profile: boolean;
}

export function parseArgs(args: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    quick: false,
    only: undefined,
    rebuild: false,
    write: true,
    profile: false,
  };
  for (const arg of args) {
    if (arg === "--quick") options.quick = true;
    else if (arg === "--rebuild") options.rebuild = true;
    else if (arg === "--no-write") options.write = false;
    else if (arg === "--profile") options.profile = true;
    else if (arg.startsWith("--only=")) options.only = new Set(arg.slice("--only=".length).split(","));
    else throw new Error(`unknown option ${JSON.stringify(arg)}\n\n${usage}`);
  }
  // A quick or partial run is a smoke test; only a full run of everything is worth committing.
  if (options.quick || options.only) options.write = false;
  return options;
}

function machine(): string[] {
  const cores = cpus();
  return [
    `machine: ${cores.length} × ${cores[0]?.model.trim() ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}`,
    `Node ${process.version}; load average at start ${loadavg()
      .map((load) => load.toFixed(2))
      .join(" / ")} (the machine is shared: ratios, not absolute numbers, are what is judged)`,
  ];
}

async function main(): Promise<number> {
  if (process.argv.includes("--help")) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  let options: BenchOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const startedAt = new Date();
  const machineLines = machine();
  const started = performance.now();
  const log = (line: string) =>
    process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)} s] ${line}\n`);
  const wanted = (id: string) => !options.only || options.only.has(id);
  const quick = options.quick;

  const [bundles, environment] = await Promise.all([
    ensureBundles({ rebuild: options.rebuild, log }),
    startEnvironment(),
  ]);
  log(`emulator on ${environment.emulator.host}, simulated cluster on ${environment.sim.url}`);
  const playbooksFile = join(bundles.benchDir, "dist", "fifty-playbooks.yaml");
  writeFileSync(playbooksFile, fiftyPlaybooksYaml());
  const nodeFlags = options.profile
    ? ["--cpu-prof", `--cpu-prof-dir=${join(bundles.benchDir, "profiles")}`]
    : [];

  const results: SuiteResult[] = [];
  const run = async (id: string, name: string, suite: () => Promise<SuiteResult> | SuiteResult) => {
    if (!wanted(id)) return;
    log(`${id}. ${name}…`);
    const suiteStarted = performance.now();
    try {
      results.push(await suite());
    } catch (error) {
      log(`${id}. ${name} failed: ${(error as Error).stack ?? String(error)}`);
      results.push({
        id,
        title: name,
        ratios: [{ measure: name, ratio: Number.NaN, shown: "failed", goal: "runs", met: false }],
        raw: [],
        notes: [`failed: ${(error as Error).message}`],
      });
    }
    log(`${id}. ${name} took ${((performance.now() - suiteStarted) / 1000).toFixed(1)} s`);
  };

  try {
    await run("1", "router core, in process", () =>
      runRouterCore(
        quick ? { rounds: 6, roundMs: 150, warmupMs: 300 } : { rounds: 20, roundMs: 300, warmupMs: 1500 },
      ),
    );
    await run("2", "router over HTTP", () =>
      runRouterHttp(environment, bundles, {
        ...(quick
          ? { rounds: 2, roundMs: 1000, warmupMs: 500 }
          : { rounds: 8, roundMs: 2500, warmupMs: 2000 }),
        connections: 32,
        playbooksFile,
        nodeFlags,
      }),
    );
    // Cold starts run before the suites that fill the emulator with messages (its JVM then spends time
    // in garbage collection, which would slow the services' first publish but not the floors).
    if (wanted("5") || wanted("6")) {
      log("5/6. cold start and RSS…");
      const coldStarted = performance.now();
      try {
        results.push(
          ...(await runColdStart(environment, bundles, { runs: quick ? 1 : 7, playbooksFile, nodeFlags })),
        );
      } catch (error) {
        log(`5/6. failed: ${(error as Error).stack ?? String(error)}`);
        for (const id of ["5", "6"]) {
          results.push({
            id,
            title: "cold start and RSS",
            ratios: [
              { measure: "cold start and RSS", ratio: Number.NaN, shown: "failed", goal: "runs", met: false },
            ],
            raw: [],
            notes: [`failed: ${(error as Error).message}`],
          });
        }
      }
      log(`5/6. took ${((performance.now() - coldStarted) / 1000).toFixed(1)} s`);
    }
    await run("3", "alert → Kubernetes call latency", () =>
      runLatency(environment, bundles, {
        alerts: quick ? 60 : 500,
        spacingMs: quick ? 40 : 60,
        playbooksFile,
        nodeFlags,
      }),
    );
    await run("4", "storm", () =>
      runStorm(environment, bundles, {
        alerts: quick ? 1_000 : 10_000,
        playbooksFile,
        nodeFlags,
        floorTwice: !quick,
      }),
    );
  } finally {
    await environment.close();
  }

  results.sort((a, b) => a.id.localeCompare(b.id));
  process.stdout.write(`\n${renderText(results)}`);
  const durationMs = performance.now() - started;
  if (options.write) {
    const path = join(bundles.benchDir, "..", "BENCHMARKS.md");
    writeFileSync(
      path,
      renderMarkdown(
        results,
        {
          mode: quick ? "quick" : "full",
          startedAt,
          durationMs,
          machine: machineLines,
          command: "npm run bench",
        },
        readFindings(),
      ),
    );
    log(`wrote ${path}`);
  }
  log(`done in ${(durationMs / 1000).toFixed(0)} s`);
  return 0;
}

process.exitCode = await main();
