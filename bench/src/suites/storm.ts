// 4. Storm: N distinct alerts published into falco-events at once; every one must come out as a
// KillPod command (read back from a tap subscription on the pod-killer topic), and the router's
// throughput (alerts routed per second, publish to last routed) is compared with the emulator's bare
// push ceiling in the same run: the same N messages pushed to a bare hono bundle answering 204.
import type { PubSub } from "@google-cloud/pubsub";
import { pullMessages } from "@riposte/service-kit/testing";
import { alertVariants } from "../alerts.js";
import type { Bundles } from "../bundles.js";
import {
  type BenchEnvironment,
  createFloorSubscription,
  emulatorClient,
  floorEnv,
  freePort,
  provisionServices,
  serviceEnv,
} from "../environment.js";
import { getJson } from "../http-load.js";
import { type BundleProcess, type OutputLine, startBundle, waitForHttp } from "../processes.js";
import type { SuiteResult } from "../report.js";
import { formatPercent, formatRate } from "../stats.js";

export interface StormOptions {
  alerts: number;
  playbooksFile: string;
  nodeFlags: readonly string[];
  /** Run the floor before and after the router (full run) or only before (quick). */
  floorTwice: boolean;
}

const PROJECT = "riposte-bench-storm";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Publishes `count` messages as fast as the client batches them; resolves when all are accepted. */
async function publishAll(pubsub: PubSub, topic: string, count: number, data: (index: number) => string) {
  const publisher = pubsub.topic(topic, { batching: { maxMessages: 1000, maxMilliseconds: 10 } });
  const pending: Promise<string>[] = [];
  for (let index = 0; index < count; index++)
    pending.push(publisher.publishMessage({ data: Buffer.from(data(index)) }));
  await Promise.all(pending);
}

interface StormRun {
  perSecond: number;
  elapsedMs: number;
}

export async function runStorm(
  environment: BenchEnvironment,
  bundles: Bundles,
  options: StormOptions,
): Promise<SuiteResult> {
  const pubsub = emulatorClient(environment, PROJECT);
  const router = bundles.services.find((service) => service.descriptor.name === "router");
  if (!router) throw new Error("no router service found under services/");
  const ports = { router: await freePort(), floor: await freePort() };
  await provisionServices(pubsub, bundles.services, { router: ports.router });
  await createFloorSubscription(pubsub, "floor-storm", "floor-storm", `http://127.0.0.1:${ports.floor}/`);
  await pubsub.topic("pod-killer").createSubscription("pod-killer-tap");

  // The router's own account: one "routed" log line per alert it published commands for.
  const routed = new Map<string, number>();
  let duplicates = 0;
  let transientFailures = 0;
  const onRouterLine = ({ at, text }: OutputLine) => {
    if (!text.includes('"incident"')) return;
    const entry = JSON.parse(text) as { incident?: string; message?: string; severity?: string };
    if (!entry.incident || !entry.message) return;
    if (entry.message.startsWith("routed ")) {
      if (!routed.has(entry.incident)) routed.set(entry.incident, at);
    } else if (entry.message.startsWith("duplicate alert")) duplicates += 1;
    else if (entry.severity === "WARNING" || entry.severity === "ERROR") transientFailures += 1;
  };

  const processes: BundleProcess[] = [];
  try {
    const routerProcess = startBundle({
      name: "router",
      entry: bundles.service.router as string,
      port: ports.router,
      nodeFlags: options.nodeFlags,
      env: serviceEnv(environment, router, PROJECT, { PLAYBOOKS_FILE: options.playbooksFile }),
      onLine: onRouterLine,
    });
    const floor = startBundle({
      name: "floor-bare-hono",
      entry: bundles.floor["bare-hono"],
      port: ports.floor,
      env: floorEnv(environment, PROJECT),
    });
    processes.push(routerProcess, floor);
    await Promise.all(processes.map((process) => waitForHttp(process)));

    const variants = alertVariants();
    let offset = 0;
    const timeout = Math.max(60_000, options.alerts * 20);

    const floorStorm = async (): Promise<StormRun> => {
      const before = (await getJson<{ pushes: number }>(ports.floor, "/count")).pushes;
      const base = offset;
      offset += options.alerts;
      const started = performance.now();
      await publishAll(pubsub, "floor-storm", options.alerts, (index) => variants.json(base + index));
      for (;;) {
        const { pushes } = await getJson<{ pushes: number }>(ports.floor, "/count");
        if (pushes - before >= options.alerts) break;
        if (performance.now() - started > timeout)
          throw new Error(`floor storm: ${pushes - before} of ${options.alerts} pushed`);
        await sleep(20);
      }
      const elapsedMs = performance.now() - started;
      return { elapsedMs, perSecond: (options.alerts / elapsedMs) * 1000 };
    };

    const routerStorm = async (): Promise<StormRun & { incidents: Set<string> }> => {
      const base = offset;
      offset += options.alerts;
      const started = performance.now();
      await publishAll(pubsub, "falco-events", options.alerts, (index) => variants.json(base + index));
      while (routed.size < options.alerts) {
        if (performance.now() - started > timeout) break;
        await sleep(20);
      }
      const last = Math.max(...routed.values());
      const elapsedMs = last - started;
      return { elapsedMs, perSecond: (routed.size / elapsedMs) * 1000, incidents: new Set(routed.keys()) };
    };

    const floorRuns = [await floorStorm()];
    const routerRun = await routerStorm();
    if (options.floorTwice) floorRuns.push(await floorStorm());

    // Accounting: every alert's KillPod command must be on the pod-killer topic.
    const commanded = new Set<string>();
    const drainDeadline = performance.now() + 60_000;
    while (commanded.size < routerRun.incidents.size && performance.now() < drainDeadline) {
      const batch = await pullMessages(pubsub, "pod-killer-tap", { count: 5_000, timeoutMs: 2_000 });
      for (const message of batch) commanded.add(message.json<{ incident: string }>().incident);
      if (batch.length === 0) break;
    }
    const lost = options.alerts - commanded.size;
    const floorPerSecond = floorRuns.reduce((sum, run) => sum + run.perSecond, 0) / floorRuns.length;
    const ratio = routerRun.perSecond / floorPerSecond;
    return {
      id: "4",
      title: `Storm: ${options.alerts.toLocaleString("en-US")} alerts into falco-events`,
      ratios: [
        {
          measure: "router throughput vs the emulator's bare push ceiling (bare hono 204)",
          ratio,
          shown: `${formatPercent(ratio)} of the ceiling`,
          goal: "≥ 80 %",
          met: ratio >= 0.8 && lost === 0,
        },
        {
          measure: "alerts lost (no KillPod command on the pod-killer topic)",
          ratio: lost,
          shown: `${lost} of ${options.alerts.toLocaleString("en-US")}`,
          goal: "0",
          met: lost === 0,
        },
      ],
      raw: [
        {
          headers: ["run", "pushed or routed", "time", "throughput"],
          rows: [
            ...floorRuns.map((run, index) => [
              `floor: bare hono 204${floorRuns.length > 1 ? (index === 0 ? " (before)" : " (after)") : ""}`,
              options.alerts.toLocaleString("en-US"),
              `${(run.elapsedMs / 1000).toFixed(1)} s`,
              formatRate(run.perSecond),
            ]),
            [
              "router (bundle, OTel on, 50 playbooks)",
              routerRun.incidents.size.toLocaleString("en-US"),
              `${(routerRun.elapsedMs / 1000).toFixed(1)} s`,
              formatRate(routerRun.perSecond),
            ],
          ],
        },
      ],
      notes: [
        `from the first publish (the client batching up to 1000 per request) to the last push answered by the floor ` +
          `(resp. the router's last "routed" log line); floor ${floorRuns.length > 1 ? "before and after the router, averaged" : "before the router"}`,
        `accounted for: ${commanded.size} distinct KillPod commands read back from the pod-killer topic; router log: ` +
          `${routed.size} routed, ${duplicates} duplicate deliveries recognised, ${transientFailures} warnings or errors`,
      ],
    };
  } finally {
    await Promise.all(processes.map((process) => process.stop()));
    await pubsub.close();
  }
}
