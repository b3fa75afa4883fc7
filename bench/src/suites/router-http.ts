// 2. Router over HTTP on loopback: the bundled router (as deployed: OpenTelemetry on, JSON logs, the
// real Pub/Sub client publishing to a sink that accepts everything at once) against a bare hono bundle
// answering 204, driven by the same keep-alive client in alternating rounds.
import { alertVariants, pushBody } from "../alerts.js";
import type { Bundles } from "../bundles.js";
import { type BenchEnvironment, floorEnv, freePort, serviceEnv } from "../environment.js";
import { type LoadResult, runLoad } from "../http-load.js";
import { type BundleProcess, startBundle, waitForHttp } from "../processes.js";
import { startPublishSink } from "../publish-sink.js";
import type { SuiteResult } from "../report.js";
import { formatPercent, formatRate, median, pairedRatio } from "../stats.js";

export interface RouterHttpOptions {
  rounds: number;
  roundMs: number;
  warmupMs: number;
  connections: number;
  playbooksFile: string;
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
  const sink = await startPublishSink();
  const router = bundles.services.find((service) => service.descriptor.name === "router");
  if (!router) throw new Error("no router service found under services/");
  let logLines = 0;
  const processes: BundleProcess[] = [];
  try {
    const routerProcess = startBundle({
      name: "router",
      entry: bundles.service.router as string,
      port: await freePort(),
      env: serviceEnv(environment, router, "riposte-bench-http", {
        PUBSUB_EMULATOR_HOST: sink.host,
        PLAYBOOKS_FILE: options.playbooksFile,
      }),
      onLine: () => {
        logLines += 1;
      },
    });
    processes.push(routerProcess);
    const bare = startBundle({
      name: "floor-bare-hono",
      entry: bundles.floor["bare-hono"],
      port: await freePort(),
      env: floorEnv(environment, "riposte-bench-http"),
    });
    processes.push(bare);
    await Promise.all([waitForHttp(routerProcess), waitForHttp(bare)]);

    const variants = alertVariants();
    let next = 0;
    const nextBody = () => pushBody(variants.json(next++));
    const load = (port: number, durationMs: number) =>
      runLoad({ port, connections: options.connections, durationMs, nextBody });

    await load(bare.port, options.warmupMs);
    await load(routerProcess.port, options.warmupMs);
    const bareResults: LoadResult[] = [];
    const routerResults: LoadResult[] = [];
    for (let round = 0; round < options.rounds; round++) {
      if (round % 2 === 0) {
        bareResults.push(await load(bare.port, options.roundMs));
        routerResults.push(await load(routerProcess.port, options.roundMs));
      } else {
        routerResults.push(await load(routerProcess.port, options.roundMs));
        bareResults.push(await load(bare.port, options.roundMs));
      }
    }
    const routerRates = routerResults.map((result) => result.perSecond);
    const bareRates = bareResults.map((result) => result.perSecond);
    const ratio = pairedRatio(routerRates, bareRates);
    const published = sink.stats();
    const not204 = routerResults.reduce(
      (sum, result) => sum + result.completed - (result.statuses[204] ?? 0) + result.errors,
      0,
    );
    return {
      id: "2",
      title: "Router over HTTP on loopback",
      ratios: [
        {
          measure: "bundled router (OTel on, logs, 50 playbooks, publishing) vs bare hono 204, same client",
          ratio,
          shown: `${formatPercent(ratio)} of the floor's requests/s`,
          goal: "≥ 70 %",
          met: ratio >= 0.7 && not204 === 0,
        },
      ],
      raw: [
        {
          headers: ["server", "requests/s (median of rounds)", "answers"],
          rows: [
            ["floor: bare hono bundle, 204", formatRate(median(bareRates)), statusSummary(bareResults)],
            ["router bundle", formatRate(median(routerRates)), statusSummary(routerResults)],
          ],
        },
      ],
      notes: [
        `${options.connections} keep-alive connections, one request in flight on each; ${options.rounds} rounds of ` +
          `${options.roundMs} ms per side after ${options.warmupMs} ms of warm-up each; every request a distinct alert`,
        `the router published ${published.messages} commands in ${published.requests} Publish calls to the sink; ` +
          `wrote ${logLines} log lines; OTLP exports received so far: ${environment.otlp.stats().requests}`,
        ...(not204 > 0 ? [`${not204} router answers were not 204: the goal counts as missed`] : []),
      ],
    };
  } finally {
    await Promise.all(processes.map((process) => process.stop()));
    await sink.close();
  }
}
