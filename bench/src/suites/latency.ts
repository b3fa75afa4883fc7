// 3. Alert → Kubernetes call latency, on the real emulator and the simulated cluster: a Falco alert
// published to falco-events, pushed to the router, a KillPod command published and pushed to the
// pod-killer, until its first call reaches the Kubernetes API (the GET of the pod it is about to
// delete). Floor, in the same run and interleaved with it: publish → push → publish → push with no
// work in between (a relay bundle and a bare receiver here).
import { createServer } from "node:http";
import { alertVariants } from "../alerts.js";
import type { Bundles } from "../bundles.js";
import {
  type BenchEnvironment,
  closeServer,
  createFloorSubscription,
  deleteProjectContents,
  emulatorClient,
  floorEnv,
  freePort,
  listen,
  provisionServices,
  serviceEnv,
} from "../environment.js";
import { measureSpacedLedgerCost } from "../ledger-cost.js";
import { type BundleProcess, startBundle, waitForHttp } from "../processes.js";
import type { SuiteResult } from "../report.js";
import { formatMs, formatRatio, summarize } from "../stats.js";

export interface LatencyOptions {
  alerts: number;
  spacingMs: number;
  playbooksFile: string;
  nodeFlags: readonly string[];
}

const PROJECT = "riposte-bench-latency";
const NAMESPACE = "jobs";
const WARMUP = 5;
const podName = (index: number) => `bench-pod-${index}`;
const POD_PATH = new RegExp(`^/api/v1/namespaces/${NAMESPACE}/pods/bench-pod-(\\d+)$`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function runLatency(
  environment: BenchEnvironment,
  bundles: Bundles,
  options: LatencyOptions,
): Promise<SuiteResult> {
  const total = WARMUP + options.alerts;
  const pubsub = emulatorClient(environment, PROJECT);
  const { sim } = environment;
  sim.clearRequests();
  sim.apply(
    Array.from({ length: total }, (_, index) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: podName(index), namespace: NAMESPACE, labels: { app: "batch-worker" } },
      spec: { containers: [{ name: "worker", image: "us-docker.pkg.dev/acme/batch/worker:1.9.0" }] },
    })),
  );

  // The floor's last hop ends here, timed on arrival.
  const floorArrivals = new Map<number, number>();
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const at = Date.now();
      const envelope = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        message: { attributes?: Record<string, string> };
      };
      const seq = Number(envelope.message.attributes?.["bench-seq"]);
      if (!floorArrivals.has(seq)) floorArrivals.set(seq, at);
      res.writeHead(204).end();
    });
  });
  const receiverPort = await listen(receiver);

  const ports = { router: await freePort(), "pod-killer": await freePort(), relay: await freePort() };
  await provisionServices(pubsub, bundles.services, {
    router: ports.router,
    "pod-killer": ports["pod-killer"],
  });
  await createFloorSubscription(pubsub, "floor-hop-1", "floor-relay", `http://127.0.0.1:${ports.relay}/`);
  await createFloorSubscription(pubsub, "floor-hop-2", "floor-receiver", `http://127.0.0.1:${receiverPort}/`);

  const service = (name: string) => {
    const found = bundles.services.find((candidate) => candidate.descriptor.name === name);
    if (!found) throw new Error(`no service ${name} under services/`);
    return found;
  };
  const processes: BundleProcess[] = [];
  try {
    processes.push(
      startBundle({
        name: "router",
        entry: bundles.service.router as string,
        port: ports.router,
        nodeFlags: options.nodeFlags,
        env: serviceEnv(environment, service("router"), PROJECT, { PLAYBOOKS_FILE: options.playbooksFile }),
        onLine: () => undefined,
      }),
      startBundle({
        name: "pod-killer",
        entry: bundles.service["pod-killer"] as string,
        port: ports["pod-killer"],
        nodeFlags: options.nodeFlags,
        env: serviceEnv(environment, service("pod-killer"), PROJECT),
        onLine: () => undefined,
      }),
      startBundle({
        name: "floor-relay",
        entry: bundles.floor.relay,
        port: ports.relay,
        env: floorEnv(environment, PROJECT, { RELAY_TOPIC: "floor-hop-2" }),
      }),
    );
    await Promise.all(processes.map((process) => waitForHttp(process)));

    // Publishing as falcosidekick does: one message per alert, sent at once.
    const falcoEvents = pubsub.topic("falco-events", { batching: { maxMessages: 1 } });
    const floorHop1 = pubsub.topic("floor-hop-1", { batching: { maxMessages: 1 } });
    const variants = alertVariants({ fields: (index) => ({ "k8s.pod.name": podName(index) }) });
    const routerSent = new Map<number, number>();
    const floorSent = new Map<number, number>();
    const publishes: Promise<unknown>[] = [];
    const started = performance.now();
    for (let index = 0; index < total; index++) {
      // Warm-up messages go first, slowly; then one alert per path every spacingMs, half a step apart.
      const at = index < WARMUP ? index * 300 : WARMUP * 300 + (index - WARMUP) * options.spacingMs;
      await sleep(at - (performance.now() - started));
      const data = Buffer.from(variants.json(index));
      routerSent.set(index, Date.now());
      publishes.push(falcoEvents.publishMessage({ data }));
      await sleep(options.spacingMs / 2);
      floorSent.set(index, Date.now());
      publishes.push(floorHop1.publishMessage({ data, attributes: { "bench-seq": String(index) } }));
    }
    await Promise.all(publishes);

    const routerArrivals = new Map<number, number>();
    const collect = () => {
      for (const request of sim.requests) {
        const match = POD_PATH.exec(request.path);
        if (!match) continue;
        const index = Number(match[1]);
        if (!routerArrivals.has(index)) routerArrivals.set(index, Date.parse(request.time));
      }
    };
    const deadline = performance.now() + 30_000;
    for (;;) {
      collect();
      if ((routerArrivals.size >= total && floorArrivals.size >= total) || performance.now() > deadline)
        break;
      await sleep(100);
    }

    const latencies = (sent: Map<number, number>, arrived: Map<number, number>) => {
      const values: number[] = [];
      for (let index = WARMUP; index < total; index++) {
        const at = arrived.get(index);
        const from = sent.get(index);
        if (at !== undefined && from !== undefined) values.push(at - from);
      }
      return values;
    };
    const routerLatencies = latencies(routerSent, routerArrivals);
    const floorLatencies = latencies(floorSent, floorArrivals);
    const missing = options.alerts - routerLatencies.length;
    const missingFloor = options.alerts - floorLatencies.length;
    if (routerLatencies.length === 0 || floorLatencies.length === 0) {
      throw new Error(`nothing arrived: ${routerLatencies.length} router, ${floorLatencies.length} floor`);
    }
    const routerSummary = summarize(routerLatencies);
    const floorSummary = summarize(floorLatencies);
    const p50 = routerSummary.p50 / floorSummary.p50;
    const p99 = routerSummary.p99 / floorSummary.p99;
    // The ledger's own line: its calls alone against the same emulator, at the same spacing, right
    // after the paths were measured (the services are idle by then).
    const ledger = await measureSpacedLedgerCost(environment, {
      projectId: `${PROJECT}-ledger`,
      alerts: options.alerts,
      spacingMs: options.spacingMs,
    });
    const claimShare = ledger.claim.p50 / floorSummary.p50;
    const beforeKillShare = ledger.beforeKill.p50 / floorSummary.p50;
    const withoutClaim = (routerSummary.p50 - ledger.claim.p50) / floorSummary.p50;
    const row = (name: string, s: ReturnType<typeof summarize>) => [
      name,
      String(s.n),
      formatMs(s.min),
      formatMs(s.p50),
      formatMs(s.p95),
      formatMs(s.p99),
      formatMs(s.max),
    ];
    return {
      id: "3",
      title: "Alert → Kubernetes call latency (emulator + simulated cluster)",
      ratios: [
        {
          measure: "alert → first Kubernetes call, p50, vs two-hop floor p50",
          ratio: p50,
          shown: `${formatRatio(p50)} the floor`,
          goal: "≤ 1.3×",
          met: p50 <= 1.3 && missing === 0,
        },
        {
          measure: "alert → first Kubernetes call, p99, vs two-hop floor p99",
          ratio: p99,
          shown: `${formatRatio(p99)} the floor`,
          goal: "≤ 1.5×",
          met: p99 <= 1.5 && missing === 0,
        },
        {
          measure:
            "the ledger on that path: the router's claim (measured alone, same emulator and spacing), p50, vs two-hop floor p50",
          ratio: claimShare,
          shown: `${formatRatio(claimShare)} the floor (${formatMs(ledger.claim.p50)})`,
          goal: "",
        },
        {
          measure:
            "the ledger before a kill: the router's claim + the pod-killer's slot take (granted), p50, vs two-hop floor p50",
          ratio: beforeKillShare,
          shown: `${formatRatio(beforeKillShare)} the floor (${formatMs(ledger.beforeKill.p50)})`,
          goal: "",
        },
        {
          measure:
            "alert → first Kubernetes call, p50, less the claim's p50 (an estimate of the path without the ledger), vs two-hop floor p50",
          ratio: withoutClaim,
          shown: `${formatRatio(withoutClaim)} the floor`,
          goal: "",
        },
      ],
      raw: [
        {
          headers: ["path", "n", "min", "p50", "p95", "p99", "max"],
          rows: [
            row("floor: publish → push → publish → push, no work", floorSummary),
            row("Riposte: falco-events → router → pod-killer → Kubernetes GET", routerSummary),
          ],
        },
        {
          headers: ["the ledger's calls alone, per alert", "n", "min", "p50", "p95", "p99", "max"],
          rows: [
            row("router: claim the incident (before publishing; on the measured path)", ledger.claim),
            row("router: mark it routed (after publishing)", ledger.markRouted),
            row("pod-killer: take its blast-radius slots (after the GET, before the kill)", ledger.slot),
            row("claim + slot take (what the ledger adds before a kill)", ledger.beforeKill),
          ],
        },
      ],
      notes: [
        `${options.alerts} alerts per path (after ${WARMUP} warm-up alerts), one every ${options.spacingMs} ms, the two paths ` +
          `interleaved half a step apart on the same emulator; time from the publish call to the arrival of the ` +
          `Kubernetes request at the simulated API server (resp. of the second push at the floor's receiver)`,
        "each alert names its own pod (Critical, in a container): the router publishes kill-pod, notify and " +
          "export-finding; only pod-killer runs. Its blast-radius limit (20 kills per minute) refuses most kills " +
          "after the pod is read, which is after the measured call",
        `the ledger's line: the same client and calls the services make (claim with the alert summary, ` +
          `mark-routed, the pod-killer's two limits in a namespace and cluster of each alert's own so every take ` +
          `is granted), ${options.alerts} alerts one every ${options.spacingMs} ms against the run's Firestore ` +
          `emulator, from the bench process; the services cannot run without the ledger (they fail closed), so ` +
          `"without" is an estimate: the path's p50 less the claim's p50`,
        ...(missing > 0 || missingFloor > 0
          ? [`MISSING within 30 s of the last publish: ${missing} alerts, ${missingFloor} floor messages`]
          : []),
      ],
    };
  } finally {
    await Promise.all(processes.map((process) => process.stop()));
    await closeServer(receiver);
    await deleteProjectContents(pubsub).catch(() => undefined);
    await pubsub.close();
  }
}
