import type { V1Pod } from "@kubernetes/client-node";
import { commandFromExample } from "@riposte/actioner-kit/testing";
import type { ActionOutcome, KillPodCommand } from "@riposte/contracts";
import { uniqueAlertTime } from "@riposte/contracts/testing";
import { loadServices } from "@riposte/infra";
import {
  localServiceEnv,
  type RunningChild,
  spawnService,
  stopChild,
  waitUntilHealthy,
} from "@riposte/infra/dev";
import { type SimCluster, startSim } from "@riposte/k8s-sim";
import { freePort, pushRequest, type TcpRelay, tcpRelay } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { emulatorRedelivery, type Pipeline, startPipeline } from "./harness.js";

const CONTAINER_ID = "b7e2c9d1f0a3"; // the example alert's container.id
const PODS = Array.from({ length: 6 }, (_, index) => `web-${index}`);
/** In a namespace of its own: the first test fills shop's window. */
const LAGGARD = { namespace: "batch", name: "late-1" };

const podYaml = (name: string, namespace = "shop") => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace },
  spec: { containers: [{ name: "worker", image: "worker" }] },
  status: {
    phase: "Running",
    containerStatuses: [{ name: "worker", containerID: `containerd://${CONTAINER_ID}0123456789abcdef` }],
  },
});

let sim: SimCluster;
let pipeline: Pipeline;
let relay: TcpRelay;
let second: RunningChild;
let secondPort: number;

beforeAll(async () => {
  sim = await startSim({
    seed: [
      ...["shop", LAGGARD.namespace].map((name) => ({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name },
      })),
      ...PODS.map((name) => podYaml(name)),
      podYaml(LAGGARD.name, LAGGARD.namespace),
    ],
  });
  const firestoreHost = inject("firestoreEmulatorHost");
  relay = await tcpRelay(firestoreHost);
  const common = {
    CLUSTERS: JSON.stringify({ local: sim.url }),
    BLAST_RADIUS_LIMITS: JSON.stringify({ "pod kills per namespace": 2 }),
    LEDGER_TIMEOUT_MS: "2000",
  };
  // The pipeline's pod-killer (behind the push subscription) reaches Firestore through the relay.
  pipeline = await startPipeline({
    emulatorHost: inject("pubsubEmulatorHost"),
    services: ["pod-killer"],
    adjustTopology: emulatorRedelivery,
    env: { "pod-killer": { ...common, FIRESTORE_EMULATOR_HOST: relay.host } },
  });
  // A second instance of it, same project (so the same ledger), Firestore reached directly.
  const podKiller = (await loadServices()).find((service) => service.descriptor.name === "pod-killer");
  if (!podKiller) throw new Error("pod-killer not found");
  secondPort = await freePort();
  second = spawnService({
    service: podKiller,
    port: secondPort,
    prefix: "[pod-killer 2]",
    useColor: false,
    raw: true,
    write: () => undefined,
    env: {
      PATH: process.env.PATH ?? "",
      ...localServiceEnv(podKiller, {
        emulatorHost: inject("pubsubEmulatorHost"),
        projectId: pipeline.projectId,
      }),
      ...common,
      FIRESTORE_EMULATOR_HOST: firestoreHost,
    },
  });
  await waitUntilHealthy(second, 60_000);
}, 120_000);

afterAll(async () => {
  if (second) await stopChild(second);
  await pipeline?.stop();
  await relay?.close();
  await sim?.stop();
});

const killCommand = (pod: string, namespace = "shop"): KillPodCommand =>
  commandFromExample("kill-pod", "sidekick-critical-drop-exec.json", {
    top: { time: uniqueAlertTime() },
    fields: { "k8s.ns.name": namespace, "k8s.pod.name": pod },
  });
const push = async (port: number, command: KillPodCommand) =>
  (await fetch(`http://127.0.0.1:${port}/`, pushRequest(command, { incident: command.incident }))).status;
const present = (name: string, namespace = "shop") =>
  sim.get({ kind: "Pod", namespace, name }) as V1Pod | undefined;
const outcomeOf = async (command: KillPodCommand, timeoutMs = 20_000) => {
  const [message] = await pipeline.tapped("action-outcomes", command.incident, { timeoutMs });
  return message?.json<ActionOutcome>();
};

describe("blast-radius limits in the ledger", () => {
  it("two pod-killers sharing 2 kills per namespace per minute, 6 alerts over both: 2 deleted, 4 refused", async () => {
    const commands = PODS.map((name) => killCommand(name));
    const firstPort = pipeline.ports["pod-killer"] as number;
    const statuses = await Promise.all(
      commands.map((command, index) => push(index % 2 === 0 ? firstPort : secondPort, command)),
    );
    expect(statuses).toEqual(PODS.map(() => 204));

    expect(PODS.filter((name) => present(name) === undefined)).toHaveLength(2);
    const outcomes = await Promise.all(commands.map((command) => outcomeOf(command)));
    expect(outcomes.map((outcome) => outcome?.result).sort()).toEqual([
      "done",
      "done",
      "refused",
      "refused",
      "refused",
      "refused",
    ]);
    for (const refused of outcomes.filter((outcome) => outcome?.result === "refused"))
      expect(refused?.reason).toBe(
        "blast-radius limit reached: pod kills per namespace (2 per 60 s) in namespace shop",
      );
  });

  it("the ledger down: the kill answers 503 and happens, through Pub/Sub's redelivery, once it is back", async () => {
    const command = killCommand(LAGGARD.name, LAGGARD.namespace);
    await relay.close();
    expect(await push(pipeline.ports["pod-killer"] as number, command)).toBe(503);
    await pipeline.pubsub.topic("pod-killer").publishMessage({
      data: Buffer.from(JSON.stringify(command)),
      attributes: { incident: command.incident },
    });
    await new Promise((resolve) => setTimeout(resolve, 6_000)); // several redeliveries, each 503
    expect(present(LAGGARD.name, LAGGARD.namespace)).toBeDefined();
    expect(await pipeline.tapped("action-outcomes", command.incident, { timeoutMs: 1 })).toEqual([]);

    await relay.reopen();
    const outcome = await outcomeOf(command, 60_000);
    expect(outcome).toMatchObject({ result: "done" });
    expect(present(LAGGARD.name, LAGGARD.namespace)).toBeUndefined();
  });
});
