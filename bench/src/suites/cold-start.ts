// 5. Cold start of each bundled service: spawn `node main.mjs` → its first push handled (204), with
// OpenTelemetry on, against the relay floor (the Pub/Sub client including its first publishes: what
// every service's first push needs at least) and, for reference, a floor bundle importing the same
// client libraries behind a bare 204; the floors against a bare hono bundle; experiments that lower
// the floor itself; and the compile cache every bundle ships, with and without.
// 6. RSS of each service, idle after that first push, against the floor of the same libraries.
// Every configuration is started once per round, the rounds one after another, and each service's
// ratio is the median of its per-round ratios against its floor of the same round.

import { commandFromExample } from "@riposte/actioner-kit/testing";
import { demoSeed } from "@riposte/k8s-sim";
import { ALERT_FILE, exampleAlertText, pushBody } from "../alerts.js";
import { type Bundles, FLOOR_OF_SERVICE, FLOORS, type FloorName } from "../bundles.js";
import {
  type BenchEnvironment,
  emulatorClient,
  floorEnv,
  freePort,
  provisionServices,
  serviceEnv,
} from "../environment.js";
import { postOnce } from "../http-load.js";
import { type BundleProcess, describeFailure, startBundle } from "../processes.js";
import type { RatioLine, SuiteResult } from "../report.js";
import { formatMiB, formatMs, formatRatio, median, pairedRatio } from "../stats.js";

/** `412 ms (380–530)`: the median and the spread over the runs. */
function msSpread(values: readonly number[]): string {
  if (values.length < 2) return formatMs(median(values));
  return `${formatMs(median(values))} (${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))})`;
}

export interface ColdStartOptions {
  runs: number;
  playbooksFile: string;
  /** How long a started process idles before its RSS is read. */
  idleMs?: number;
  /** --cpu-prof when profiling (the times are then not comparable with a normal run). */
  nodeFlags?: readonly string[];
}

const PROJECT = "riposte-bench-cold";
/** The relay publishes what it is pushed as the router does for a Critical alert: to three topics that exist here and nobody reads. */
const RELAY_TOPICS = "pod-killer,notifier,scc-exporter";
/** Runs measured without the compile cache the bundles ship (Node then compiles the bundle from source). */
const WITHOUT_CACHE = { NODE_DISABLE_COMPILE_CACHE: "1" } as const;
const UNCACHED_FLOORS = ["relay", "pubsub"] as const satisfies readonly FloorName[];
const UNCACHED_SERVICE = "router";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Start {
  /** spawn → first push answered. */
  firstPushMs: number;
  /** spawn → its "listening" line on stdout. */
  listeningMs: number;
  rssBytes: number;
  /** CPU time (all threads) the process used from spawn to the first push answered. */
  cpuMs: number;
}

/** The first push each service gets: a realistic message of the kind it exists for. */
function firstPushes(): Record<string, Buffer> {
  const alert = exampleAlertText();
  const command = (command: unknown) => pushBody(JSON.stringify(command));
  return {
    router: pushBody(alert),
    "pod-killer": command(commandFromExample("kill-pod", ALERT_FILE)),
    isolator: command(commandFromExample("isolate-pod", "modern-terminal-shell.json")),
    tainter: command(commandFromExample("taint-node", "host-level.json")),
    notifier: command(commandFromExample("notify", ALERT_FILE)),
    "scc-exporter": command(commandFromExample("export-finding", ALERT_FILE)),
  };
}

async function startOnce(
  name: string,
  entry: string,
  env: Record<string, string>,
  body: Buffer,
  idleMs: number,
  nodeFlags: readonly string[] = [],
): Promise<Start> {
  const port = await freePort();
  let listeningAt: number | undefined;
  const process: BundleProcess = startBundle({
    name,
    entry,
    port,
    env,
    nodeFlags,
    onLine: ({ at, text }) => {
      if (listeningAt === undefined && text.includes("listening on")) listeningAt = at;
    },
  });
  try {
    let status: number | undefined;
    while (status === undefined) {
      if (process.child.exitCode !== null)
        throw new Error(`exited before answering: ${describeFailure(process)}`);
      if (performance.now() - process.spawnedAt > 30_000)
        throw new Error(`no answer in 30 s: ${describeFailure(process)}`);
      try {
        status = await postOnce(port, "/", body);
      } catch {
        await sleep(2);
      }
    }
    const answeredAt = performance.now();
    const cpuMs = process.cpuMs() ?? Number.NaN;
    if (status !== 204)
      throw new Error(`first push answered ${status}, not 204: ${describeFailure(process)}`);
    await sleep(idleMs);
    const rssBytes = process.rssBytes();
    if (rssBytes === undefined) throw new Error(`no RSS: ${describeFailure(process)}`);
    return {
      firstPushMs: answeredAt - process.spawnedAt,
      listeningMs: (listeningAt ?? Number.NaN) - process.spawnedAt,
      rssBytes,
      cpuMs,
    };
  } finally {
    await process.stop();
  }
}

export async function runColdStart(
  environment: BenchEnvironment,
  bundles: Bundles,
  options: ColdStartOptions,
): Promise<SuiteResult[]> {
  const idleMs = options.idleMs ?? 750;
  const pubsub = emulatorClient(environment, PROJECT);
  // Every topic exists (the services publish their commands and outcomes) but nothing is pushed.
  await provisionServices(pubsub, bundles.services, {});
  await pubsub.close();
  const pushes = firstPushes();
  const services = bundles.services.map((service) => service.descriptor.name).filter((name) => pushes[name]);
  const floors = Object.keys(FLOORS) as FloorName[];

  const serviceStarts: Record<string, Start[]> = Object.fromEntries(services.map((name) => [name, []]));
  const floorStarts = Object.fromEntries(floors.map((floor) => [floor, [] as Start[]])) as Record<
    FloorName,
    Start[]
  >;
  const uncachedFloorStarts = Object.fromEntries(
    UNCACHED_FLOORS.map((floor) => [floor, [] as Start[]]),
  ) as Record<(typeof UNCACHED_FLOORS)[number], Start[]>;
  const uncachedRouterStarts: Start[] = [];
  for (let round = 0; round < options.runs; round++) {
    for (const floor of floors) {
      floorStarts[floor].push(
        await startOnce(
          `floor-${floor}`,
          bundles.floor[floor],
          floorEnv(environment, PROJECT, { RELAY_TOPIC: RELAY_TOPICS }),
          pushes.router as Buffer,
          idleMs,
          options.nodeFlags,
        ),
      );
    }
    for (const name of services) {
      const service = bundles.services.find((candidate) => candidate.descriptor.name === name);
      if (!service) continue;
      // Every kill, isolation and taint starts from the same cluster.
      environment.sim.apply(demoSeed());
      serviceStarts[name]?.push(
        await startOnce(
          name,
          bundles.service[name] as string,
          serviceEnv(
            environment,
            service,
            PROJECT,
            name === "router" ? { PLAYBOOKS_FILE: options.playbooksFile } : {},
          ),
          pushes[name] as Buffer,
          idleMs,
          options.nodeFlags,
        ),
      );
    }
    for (const floor of UNCACHED_FLOORS) {
      uncachedFloorStarts[floor].push(
        await startOnce(
          `floor-${floor} (no compile cache)`,
          bundles.floor[floor],
          floorEnv(environment, PROJECT, { RELAY_TOPIC: RELAY_TOPICS, ...WITHOUT_CACHE }),
          pushes.router as Buffer,
          idleMs,
          options.nodeFlags,
        ),
      );
    }
    const router = bundles.services.find((candidate) => candidate.descriptor.name === UNCACHED_SERVICE);
    if (router) {
      uncachedRouterStarts.push(
        await startOnce(
          `${UNCACHED_SERVICE} (no compile cache)`,
          bundles.service[UNCACHED_SERVICE] as string,
          serviceEnv(environment, router, PROJECT, {
            PLAYBOOKS_FILE: options.playbooksFile,
            ...WITHOUT_CACHE,
          }),
          pushes[UNCACHED_SERVICE] as Buffer,
          idleMs,
          options.nodeFlags,
        ),
      );
    }
  }

  const times = (starts: readonly Start[]) => starts.map((start) => start.firstPushMs);
  const rss = (starts: readonly Start[]) => starts.map((start) => start.rssBytes);
  const coldRatios: RatioLine[] = [];
  const libraryRatios: RatioLine[] = [];
  const rssRatios: RatioLine[] = [];
  const coldRows: string[][] = [];
  const rssRows: string[][] = [];
  for (const name of services) {
    const starts = serviceStarts[name] as Start[];
    const floor = FLOOR_OF_SERVICE[name] ?? "pubsub";
    const floorRuns = floorStarts[floor];
    const cold = pairedRatio(times(starts), times(floorStarts.relay));
    const vsLibraries = pairedRatio(times(starts), times(floorRuns));
    const memory = pairedRatio(rss(starts), rss(floorRuns));
    coldRatios.push({
      measure: `${name}: spawn → first push 204 vs floor relay`,
      ratio: cold,
      shown: `${formatRatio(cold)} the floor`,
      goal: "≤ 1.2×",
      met: cold <= 1.2,
    });
    libraryRatios.push({
      measure: `${name}: spawn → first push 204 vs floor ${floor} (its client libraries behind a bare 204)`,
      ratio: vsLibraries,
      shown: formatRatio(vsLibraries),
      goal: "",
    });
    rssRatios.push({
      measure: `${name}: idle RSS vs floor ${floor}`,
      ratio: memory,
      shown: `${formatRatio(memory)} the floor`,
      goal: "≤ 1.3×",
      met: memory <= 1.3,
    });
    coldRows.push([
      name,
      msSpread(starts.map((start) => start.listeningMs)),
      msSpread(times(starts)),
      floor,
      msSpread(times(floorRuns)),
    ]);
    rssRows.push([name, formatMiB(median(rss(starts))), floor, formatMiB(median(rss(floorRuns)))]);
  }

  const experiment = (measure: string, a: FloorName, b: FloorName): RatioLine => {
    const ratio = pairedRatio(times(floorStarts[a]), times(floorStarts[b]));
    return { measure, ratio, shown: `${formatRatio(ratio)}`, goal: "" };
  };
  // CPU time, not wall-clock time: what the cache saves is compilation work, and on a shared machine
  // the wait for a core would hide it.
  const cpu = (starts: readonly Start[]) => starts.map((start) => start.cpuMs);
  const cacheRatio = (measure: string, cached: readonly Start[], uncached: readonly Start[]): RatioLine => {
    const ratio = pairedRatio(cpu(cached), cpu(uncached));
    return { measure, ratio, shown: `${formatRatio(ratio)} the CPU`, goal: "" };
  };
  const floorRatios: RatioLine[] = [
    cacheRatio(
      "compile cache: floor relay with the cache vs without, CPU spawn → first push 204",
      floorStarts.relay,
      uncachedFloorStarts.relay,
    ),
    cacheRatio(
      "compile cache: floor pubsub with the cache vs without, CPU spawn → first push 204",
      floorStarts.pubsub,
      uncachedFloorStarts.pubsub,
    ),
    cacheRatio(
      `compile cache: ${UNCACHED_SERVICE} with the cache vs without, CPU spawn → first push 204`,
      serviceStarts[UNCACHED_SERVICE] ?? [],
      uncachedRouterStarts,
    ),
    experiment("floor pubsub vs bare hono (what the Pub/Sub client costs)", "pubsub", "bare-hono"),
    experiment("floor pubsub-k8s vs bare hono", "pubsub-k8s", "bare-hono"),
    experiment("floor pubsub-scc vs bare hono", "pubsub-scc", "bare-hono"),
    experiment(
      "floor relay (Pub/Sub client and its first publish) vs floor pubsub: the client's first-use cost",
      "relay",
      "pubsub",
    ),
    experiment(
      "lowering the floor: clients imported on the first push vs at start (pubsub-k8s)",
      "pubsub-k8s-lazy",
      "pubsub-k8s",
    ),
    experiment(
      "lowering the floor: SCC package root vs v2 entry only (pubsub-scc)",
      "pubsub-scc-all",
      "pubsub-scc",
    ),
  ];
  const floorRows = floors.map((floor) => [
    `floor ${floor}`,
    msSpread(floorStarts[floor].map((start) => start.listeningMs)),
    msSpread(times(floorStarts[floor])),
    formatMiB(median(rss(floorStarts[floor]))),
    FLOORS[floor],
  ]);
  const runsNote = `${options.runs} run(s) of every configuration, interleaved round by round; medians (min–max); ratio = median of per-round ratios`;

  return [
    {
      id: "5",
      title: "Cold start of each bundled service (OpenTelemetry on)",
      ratios: [...coldRatios, ...libraryRatios, ...floorRatios],
      raw: [
        {
          headers: [
            "service",
            "spawn → listening",
            "spawn → first push 204",
            "floor",
            "floor: spawn → first push 204",
          ],
          rows: coldRows,
        },
        {
          headers: ["floor", "spawn → listening", "spawn → first push 204", "idle RSS", "what it is"],
          rows: floorRows,
        },
      ],
      notes: [
        runsNote,
        "the first push is a real message of the service's kind (an alert; a KillPod, IsolatePod, TaintNode, Notify or " +
          "ExportFinding command from the shipped examples), so it includes the first Pub/Sub publish and the first " +
          "Kubernetes, webhook or SCC call; the floors answer 204 without work",
        `every bundle ships V8's compile cache (made at build time) and uses it; "without" runs set NODE_DISABLE_COMPILE_CACHE=1. ` +
          `CPU (all threads) spawn → first push 204, with / without: floor relay ${msSpread(cpu(floorStarts.relay))} / ${msSpread(cpu(uncachedFloorStarts.relay))}, ` +
          `floor pubsub ${msSpread(cpu(floorStarts.pubsub))} / ${msSpread(cpu(uncachedFloorStarts.pubsub))}, ` +
          `${UNCACHED_SERVICE} ${msSpread(cpu(serviceStarts[UNCACHED_SERVICE] ?? []))} / ${msSpread(cpu(uncachedRouterStarts))}; ` +
          `wall clock without: floor relay ${msSpread(times(uncachedFloorStarts.relay))}, floor pubsub ${msSpread(times(uncachedFloorStarts.pubsub))}, ` +
          `${UNCACHED_SERVICE} ${msSpread(times(uncachedRouterStarts))}`,
        `the relay floor publishes what it is pushed to three topics (as the router does for a Critical alert), through the services' batching settings`,
      ],
    },
    {
      id: "6",
      title: "RSS of each idle service after start",
      ratios: rssRatios,
      raw: [{ headers: ["service", "idle RSS", "floor", "floor idle RSS"], rows: rssRows }],
      notes: [`RSS (VmRSS) read ${idleMs} ms after the first push was answered; ${runsNote}`],
    },
  ];
}
