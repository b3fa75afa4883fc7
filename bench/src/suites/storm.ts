// 4. Storm: N distinct alerts published into falco-events at once; every one must come out as a
// KillPod command (read back from a tap subscription on the pod-killer topic), and the router's
// throughput (alerts routed per second, publish to last routed) is compared in the same run with the
// relay floor (the same N messages pushed to a bundle that only makes the router's three publishes:
// what the emulator's cost of the topology allows) and with the bare push ceiling (a 204 bundle).
import type { Message, PubSub } from "@google-cloud/pubsub";
import { alertVariants } from "../alerts.js";
import type { Bundles } from "../bundles.js";
import {
  type BenchEnvironment,
  createFloorSubscription,
  deleteProjectContents,
  emulatorClient,
  floorEnv,
  freePort,
  provisionServices,
  serviceEnv,
} from "../environment.js";
import { getJson } from "../http-load.js";
import { measureLedgerBurst } from "../ledger-cost.js";
import { type BundleProcess, type OutputLine, startBundle, waitForHttp } from "../processes.js";
import type { SuiteResult } from "../report.js";
import { formatMs, formatPercent, formatRate, formatRatio } from "../stats.js";

export interface StormOptions {
  alerts: number;
  playbooksFile: string;
  nodeFlags: readonly string[];
  /** Run the floor before and after the router (full run) or only before (quick). */
  floorTwice: boolean;
}

const PROJECT = "riposte-bench-storm";
/** As many topics as the router publishes a Critical alert's commands to (kill-pod, notify, export-finding). */
const RELAY_TOPICS = ["floor-out-1", "floor-out-2", "floor-out-3"] as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Alerts whose ledger calls run at once in the ledger's own line (as many as suite 2's connections). */
const LEDGER_IN_FLIGHT = 32;

/** Publishes `count` messages as fast as the client batches them; resolves when all are accepted. */
async function publishAll(pubsub: PubSub, topic: string, count: number, data: (index: number) => string) {
  const publisher = pubsub.topic(topic, { batching: { maxMessages: 1000, maxMilliseconds: 10 } });
  const pending: Promise<string>[] = [];
  for (let index = 0; index < count; index++)
    pending.push(publisher.publishMessage({ data: Buffer.from(data(index)) }));
  await Promise.all(pending);
}

/**
 * The incidents of the commands on a tap subscription, read over one streaming pull until `expected`
 * distinct ones arrived, or nothing new came for longer than the ack deadline (so that messages a
 * previous reader leased and never acked are redelivered and counted), or 2 minutes passed.
 */
async function readIncidents(pubsub: PubSub, subscription: string, expected: number): Promise<Set<string>> {
  const incidents = new Set<string>();
  const reader = pubsub.subscription(subscription, { flowControl: { maxMessages: 2_000 } });
  let lastNew = performance.now();
  reader.on("message", (message: Message) => {
    message.ack();
    const { incident } = JSON.parse(message.data.toString("utf8")) as { incident: string };
    if (!incidents.has(incident)) lastNew = performance.now();
    incidents.add(incident);
  });
  reader.on("error", () => undefined);
  const started = performance.now();
  while (
    incidents.size < expected &&
    performance.now() - lastNew < 15_000 &&
    performance.now() - started < 120_000
  ) {
    await sleep(100);
  }
  await reader.close();
  return incidents;
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
  const ports = { router: await freePort(), floor: await freePort(), relay: await freePort() };
  await provisionServices(pubsub, bundles.services, { router: ports.router });
  await createFloorSubscription(pubsub, "floor-storm", "floor-storm", `http://127.0.0.1:${ports.floor}/`);
  await createFloorSubscription(
    pubsub,
    "floor-storm-relay",
    "floor-storm-relay",
    `http://127.0.0.1:${ports.relay}/`,
  );
  for (const topic of RELAY_TOPICS) await pubsub.topic(topic).create();
  // What is stored for later reading is the same on both sides: one tap per alert.
  await pubsub.topic("pod-killer").createSubscription("pod-killer-tap");
  await pubsub.topic(RELAY_TOPICS[0]).createSubscription(`${RELAY_TOPICS[0]}-tap`);

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
    const relay = startBundle({
      name: "floor-relay",
      entry: bundles.floor.relay,
      port: ports.relay,
      env: floorEnv(environment, PROJECT, { RELAY_TOPIC: RELAY_TOPICS.join(",") }),
    });
    processes.push(routerProcess, floor, relay);
    await Promise.all(processes.map((process) => waitForHttp(process)));

    const variants = alertVariants();
    let offset = 0;
    const timeout = Math.max(60_000, options.alerts * 20);

    const floorStorm = async (topic: string, port: number, alerts = options.alerts): Promise<StormRun> => {
      const before = (await getJson<{ pushes: number }>(port, "/count")).pushes;
      const base = offset;
      offset += alerts;
      const started = performance.now();
      await publishAll(pubsub, topic, alerts, (index) => variants.json(base + index));
      for (;;) {
        const { pushes } = await getJson<{ pushes: number }>(port, "/count");
        if (pushes - before >= alerts) break;
        if (performance.now() - started > timeout)
          throw new Error(`${topic}: ${pushes - before} of ${alerts} pushed`);
        await sleep(20);
      }
      const elapsedMs = performance.now() - started;
      return { elapsedMs, perSecond: (alerts / elapsedMs) * 1000 };
    };

    const routerStorm = async (alerts = options.alerts): Promise<StormRun> => {
      const before = routed.size;
      const base = offset;
      offset += alerts;
      const started = performance.now();
      await publishAll(pubsub, "falco-events", alerts, (index) => variants.json(base + index));
      while (routed.size - before < alerts && performance.now() - started < timeout) await sleep(20);
      const times = [...routed.values()].slice(before);
      const elapsedMs = Math.max(...times) - started;
      return { elapsedMs, perSecond: (times.length / elapsedMs) * 1000 };
    };

    // The emulator (a JVM) and the processes get faster as their code warms up: every path is run once,
    // unmeasured, before the measured storms.
    const warmup = Math.min(1_000, Math.ceil(options.alerts / 4));
    await floorStorm("floor-storm", ports.floor, warmup);
    await floorStorm("floor-storm-relay", ports.relay, warmup);
    await routerStorm(warmup);

    const floorRuns = [await floorStorm("floor-storm", ports.floor)];
    const relayRun = await floorStorm("floor-storm-relay", ports.relay);
    const routerRun = await routerStorm();
    if (options.floorTwice) floorRuns.push(await floorStorm("floor-storm", ports.floor));
    const sent = warmup + options.alerts;

    // Accounting: every alert's KillPod command must be on the pod-killer topic.
    const commanded = await readIncidents(pubsub, "pod-killer-tap", sent);
    const lost = sent - commanded.size;
    // The ledger's own line: the router's two ledger calls per alert alone, against the same emulator,
    // once the storm is over (so that neither slows the other).
    const ledger = await measureLedgerBurst(environment, {
      projectId: `${PROJECT}-ledger`,
      alerts: Math.min(options.alerts, 2_000),
      inFlight: LEDGER_IN_FLIGHT,
    });
    // One at a time: how much the emulator gains from the calls in flight together.
    const ledgerAlone = await measureLedgerBurst(environment, {
      projectId: `${PROJECT}-ledger`,
      alerts: Math.min(Math.ceil(options.alerts / 10), 400),
      inFlight: 1,
    });
    const ledgerShare = routerRun.perSecond / ledger.perSecond;
    const concurrencyGain = ledger.perSecond / ledgerAlone.perSecond;
    const floorPerSecond = floorRuns.reduce((sum, run) => sum + run.perSecond, 0) / floorRuns.length;
    const ratio = routerRun.perSecond / floorPerSecond;
    const ownShare = routerRun.perSecond / relayRun.perSecond;
    const relayShare = relayRun.perSecond / floorPerSecond;
    return {
      id: "4",
      title: `Storm: ${options.alerts.toLocaleString("en-US")} alerts into falco-events`,
      ratios: [
        {
          measure:
            "router throughput vs the relay floor (push → the same 3 publishes, same publisher settings, no work)",
          ratio: ownShare,
          shown: `${formatPercent(ownShare)} of the relay`,
          goal: "≥ 80 %",
          met: ownShare >= 0.8 && lost === 0,
        },
        {
          measure: "router throughput vs the emulator's bare push ceiling (bare hono 204)",
          ratio,
          shown: `${formatPercent(ratio)} of the ceiling`,
          goal: "",
        },
        {
          measure:
            "what three publishes per push cost the emulator: relay (push → 3 publishes, no work) vs bare push",
          ratio: relayShare,
          shown: `${formatPercent(relayShare)} of the ceiling`,
          goal: "",
        },
        {
          measure: `router throughput vs the ledger alone (the router's claim + mark-routed per alert, ${LEDGER_IN_FLIGHT} alerts in flight, same emulator)`,
          ratio: ledgerShare,
          shown: `${formatPercent(ledgerShare)} of the ledger's rate (${formatRate(ledger.perSecond)})`,
          goal: "",
        },
        {
          measure: `the ledger's rate with ${LEDGER_IN_FLIGHT} alerts in flight vs one at a time (how far the emulator serves its calls in parallel)`,
          ratio: concurrencyGain,
          shown: `${formatRatio(concurrencyGain)}`,
          goal: "",
        },
        {
          measure: "alerts lost (no KillPod command on the pod-killer topic)",
          ratio: lost,
          shown: `${lost} of ${sent.toLocaleString("en-US")}`,
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
              "floor: relay, push → the same 3 publishes, no work",
              options.alerts.toLocaleString("en-US"),
              `${(relayRun.elapsedMs / 1000).toFixed(1)} s`,
              formatRate(relayRun.perSecond),
            ],
            [
              "router (bundle, OTel on, 50 playbooks)",
              options.alerts.toLocaleString("en-US"),
              `${(routerRun.elapsedMs / 1000).toFixed(1)} s`,
              formatRate(routerRun.perSecond),
            ],
            ...[ledger, ledgerAlone].map((burst) => [
              `the ledger alone: claim + mark-routed per alert, ${burst.inFlight} in flight, from the bench process`,
              burst.alerts.toLocaleString("en-US"),
              `${(burst.alerts / burst.perSecond).toFixed(1)} s`,
              formatRate(burst.perSecond),
            ]),
          ],
        },
      ],
      notes: [
        `from the first publish (the client batching up to 1000 per request) to the last push answered by the floor ` +
          `(resp. the router's last "routed" log line); floor ${floorRuns.length > 1 ? "before and after the router, averaged" : "before the router"}`,
        `${warmup} alerts through each path first, unmeasured (warm-up); accounted for: ${commanded.size} of ${sent} alerts sent to the router as distinct KillPod commands read back from the pod-killer topic; router log: ` +
          `${routed.size} routed, ${duplicates} duplicate deliveries recognised, ${transientFailures} warnings or errors`,
        ...[ledger, ledgerAlone].map(
          (burst) =>
            `the ledger alone, ${burst.inFlight} in flight (after the storm, same emulator): claim (a create) p50 ${formatMs(burst.claim.p50)}, ` +
            `p99 ${formatMs(burst.claim.p99)}; mark-routed (one preconditioned update) p50 ${formatMs(burst.markRouted.p50)}, p99 ${formatMs(burst.markRouted.p99)}`,
        ),
      ],
    };
  } finally {
    await Promise.all(processes.map((process) => process.stop()));
    await deleteProjectContents(pubsub).catch(() => undefined);
    await pubsub.close();
  }
}
