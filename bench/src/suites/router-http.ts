// 2. Router over HTTP on loopback: the bundled router (as deployed: OpenTelemetry on, JSON logs, the
// real Pub/Sub client publishing to a sink that accepts everything at once) against the relay floor
// (push in, the same three publishes through the same publisher settings to its own sink, no other
// work) and a bare hono bundle answering 204, driven by the same keep-alive client in rotating rounds.
// Also measured: the router with AsyncLocalStorage on async hooks (--no-async-context-frame, Node 24's
// previous implementation) — what AsyncContextFrame, the default since Node 24, saves it.
import { alertVariants, pushBody } from "../alerts.js";
import type { Bundles } from "../bundles.js";
import { type BenchEnvironment, floorEnv, freePort, serviceEnv } from "../environment.js";
import { type LoadResult, runLoad } from "../http-load.js";
import { type BundleProcess, startBundle, waitForHttp } from "../processes.js";
import { startPublishSink } from "../publish-sink.js";
import type { SuiteResult } from "../report.js";
import { formatPercent, formatRate, formatRatio, median, pairedRatio } from "../stats.js";

/** The router's commands for the benchmark's Critical alert: kill-pod, notify, export-finding. */
const RELAY_TOPICS = "floor-out-1,floor-out-2,floor-out-3";

export interface RouterHttpOptions {
  rounds: number;
  roundMs: number;
  warmupMs: number;
  connections: number;
  playbooksFile: string;
  /** `--profile`: the router (not its --no-async-context-frame twin) runs with these flags. */
  nodeFlags?: readonly string[];
}

function statusSummary(results: readonly LoadResult[]): string {
  const totals: Record<string, number> = {};
  let errors = 0;
  for (const result of results) {
    errors += result.errors;
    for (const [status, count] of Object.entries(result.statuses))
      totals[status] = (totals[status] ?? 0) + count;
  }
  const parts = Object.entries(totals).map(([status, count]) => `${count} × ${status}`);
  if (errors > 0) parts.push(`${errors} connection errors`);
  return parts.join(", ");
}

export async function runRouterHttp(
  environment: BenchEnvironment,
  bundles: Bundles,
  options: RouterHttpOptions,
): Promise<SuiteResult> {
  const [sink, relaySink] = await Promise.all([startPublishSink(), startPublishSink()]);
  const router = bundles.services.find((service) => service.descriptor.name === "router");
  if (!router) throw new Error("no router service found under services/");
  let logLines = 0;
  const processes: BundleProcess[] = [];
  try {
    const routerEnv = serviceEnv(environment, router, "riposte-bench-http", {
      PUBSUB_EMULATOR_HOST: sink.host,
      PLAYBOOKS_FILE: options.playbooksFile,
    });
    const started = {
      router: startBundle({
        name: "router",
        entry: bundles.service.router as string,
        port: await freePort(),
        env: routerEnv,
        ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
        onLine: () => {
          logLines += 1;
        },
      }),
      routerHooks: startBundle({
        name: "router (--no-async-context-frame)",
        entry: bundles.service.router as string,
        port: await freePort(),
        env: routerEnv,
        nodeFlags: ["--no-async-context-frame"],
      }),
      relay: startBundle({
        name: "floor-relay",
        entry: bundles.floor.relay,
        port: await freePort(),
        env: floorEnv(environment, "riposte-bench-http", {
          PUBSUB_EMULATOR_HOST: relaySink.host,
          RELAY_TOPIC: RELAY_TOPICS,
        }),
      }),
      bare: startBundle({
        name: "floor-bare-hono",
        entry: bundles.floor["bare-hono"],
        port: await freePort(),
        env: floorEnv(environment, "riposte-bench-http"),
      }),
    };
    processes.push(...Object.values(started));
    await Promise.all(processes.map((process) => waitForHttp(process)));

    const variants = alertVariants();
    let next = 0;
    const nextBody = () => pushBody(variants.json(next++));
    const load = (port: number, durationMs: number) =>
      runLoad({ port, connections: options.connections, durationMs, nextBody });

    const names = Object.keys(started) as (keyof typeof started)[];
    for (const name of names) await load(started[name].port, options.warmupMs);
    const results = Object.fromEntries(names.map((name) => [name, [] as LoadResult[]])) as Record<
      keyof typeof started,
      LoadResult[]
    >;
    const cpuPerRequest = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
      keyof typeof started,
      number[]
    >;
    for (let round = 0; round < options.rounds; round++) {
      // A different one goes first each round, so none always runs right after another's collection.
      for (let turn = 0; turn < names.length; turn++) {
        const name = names[(round + turn) % names.length] as keyof typeof started;
        const cpuBefore = started[name].cpuMs() ?? Number.NaN;
        const result = await load(started[name].port, options.roundMs);
        results[name].push(result);
        cpuPerRequest[name].push(((started[name].cpuMs() ?? Number.NaN) - cpuBefore) / result.completed);
      }
    }
    const rates = (name: keyof typeof started) => results[name].map((result) => result.perSecond);
    const vsRelay = pairedRatio(rates("router"), rates("relay"));
    const vsBare = pairedRatio(rates("router"), rates("bare"));
    const relayVsBare = pairedRatio(rates("relay"), rates("bare"));
    // CPU per request, not requests/s: the two routers differ by a few per cent, which the shared
    // machine's load would hide in wall-clock rates.
    const frameCost = pairedRatio(cpuPerRequest.router, cpuPerRequest.routerHooks);
    const cpu = (name: keyof typeof started) => `${Math.round(median(cpuPerRequest[name]) * 1000)} µs`;
    const published = sink.stats();
    const not204 = (["router", "routerHooks", "relay"] as const).reduce(
      (sum, name) =>
        sum +
        results[name].reduce(
          (count, result) => count + result.completed - (result.statuses[204] ?? 0) + result.errors,
          0,
        ),
      0,
    );
    return {
      id: "2",
      title: "Router over HTTP on loopback",
      ratios: [
        {
          measure:
            "bundled router (OTel on, logs, 50 playbooks, 3 publishes) vs relay floor (push → the same 3 publishes, same publisher settings, no other work)",
          ratio: vsRelay,
          shown: `${formatPercent(vsRelay)} of the relay's requests/s`,
          goal: "≥ 60 %",
          met: vsRelay >= 0.6 && not204 === 0,
        },
        {
          measure: "bundled router vs bare hono 204, same client (kept from the previous runs)",
          ratio: vsBare,
          shown: `${formatPercent(vsBare)} of the floor's requests/s`,
          goal: "",
        },
        {
          measure: "relay floor vs bare hono 204: what three publishes cost on loopback",
          ratio: relayVsBare,
          shown: `${formatPercent(relayVsBare)} of bare hono`,
          goal: "",
        },
        {
          measure:
            "router's CPU per request with AsyncLocalStorage on AsyncContextFrame (Node 24's default) vs on async hooks (--no-async-context-frame)",
          ratio: frameCost,
          shown: `${formatRatio(frameCost)} the CPU`,
          goal: "",
        },
      ],
      raw: [
        {
          headers: ["server", "requests/s (median of rounds)", "CPU per request (median)", "answers"],
          rows: [
            [
              "floor: bare hono bundle, 204",
              formatRate(median(rates("bare"))),
              cpu("bare"),
              statusSummary(results.bare),
            ],
            [
              "floor: relay bundle, push → 3 publishes",
              formatRate(median(rates("relay"))),
              cpu("relay"),
              statusSummary(results.relay),
            ],
            [
              "router bundle",
              formatRate(median(rates("router"))),
              cpu("router"),
              statusSummary(results.router),
            ],
            [
              "router bundle, --no-async-context-frame",
              formatRate(median(rates("routerHooks"))),
              cpu("routerHooks"),
              statusSummary(results.routerHooks),
            ],
          ],
        },
      ],
      notes: [
        `${options.connections} keep-alive connections, one request in flight on each; ${options.rounds} rounds of ` +
          `${options.roundMs} ms per server after ${options.warmupMs} ms of warm-up each; every request a distinct alert`,
        `the two routers published ${published.messages} commands in ${published.requests} Publish calls to their sink, ` +
          `the relay ${relaySink.stats().messages} messages in ${relaySink.stats().requests} calls to its own; the router wrote ` +
          `${logLines} log lines; OTLP exports received so far: ${environment.otlp.stats().requests}`,
        ...(not204 > 0 ? [`${not204} answers were not 204: the goal counts as missed`] : []),
      ],
    };
  } finally {
    await Promise.all(processes.map((process) => process.stop()));
    await Promise.all([sink.close(), relaySink.close()]);
  }
}
