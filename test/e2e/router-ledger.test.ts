// Issue 18's acceptance for the router: two router processes, the same alert delivered to both at the
// same moment (as Pub/Sub may during a deploy, or after a redelivery lands on another instance) → one
// decision, one set of commands. The dedup is claimed in the ledger (Firestore), shared by both.
import { loadServices } from "@riposte/infra";
import {
  localServiceEnv,
  type RunningChild,
  spawnService,
  stopChild,
  waitUntilHealthy,
} from "@riposte/infra/dev";
import { freePort, pushRequest } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshAlert } from "./alerts.js";
import { type Pipeline, startPipeline } from "./harness.js";

let pipeline: Pipeline;
let second: RunningChild;
let secondPort: number;
const secondLogs: string[] = [];

beforeAll(async () => {
  pipeline = await startPipeline({ emulatorHost: inject("pubsubEmulatorHost"), services: ["router"] });
  // A second router process on the same project: the same topics and the same ledger.
  const router = (await loadServices()).find((service) => service.descriptor.name === "router");
  if (!router) throw new Error("router not found");
  secondPort = await freePort();
  second = spawnService({
    service: router,
    port: secondPort,
    prefix: "[router 2]",
    useColor: false,
    raw: true,
    write: (line) => secondLogs.push(line),
    env: {
      PATH: process.env.PATH ?? "",
      ...localServiceEnv(router, {
        emulatorHost: inject("pubsubEmulatorHost"),
        firestoreEmulatorHost: inject("firestoreEmulatorHost"),
        projectId: pipeline.projectId,
      }),
    },
  });
  await waitUntilHealthy(second, 60_000);
}, 120_000);

afterAll(async () => {
  if (second) await stopChild(second);
  await pipeline?.stop();
});

/** Pushes `json` to the router on `port` as Pub/Sub would: each push its own message id. */
const push = async (port: number, json: string) =>
  (await fetch(`http://127.0.0.1:${port}/`, pushRequest(json))).status;

describe("two router processes sharing the ledger", () => {
  it("the same alert delivered to both at once: one decision, one set of commands", async () => {
    const alerts = Array.from({ length: 4 }, () => freshAlert("sidekick-critical-drop-exec.json"));
    const firstPort = pipeline.ports.router as number;
    const statuses = await Promise.all(
      alerts.flatMap((alert) => [push(firstPort, alert.json), push(secondPort, alert.json)]),
    );
    // Both are answered 204: one routed, the other acked as a duplicate (never a 4xx Pub/Sub would drop).
    expect(statuses).toEqual(alerts.flatMap(() => [204, 204]));
    // Waiting for a second of each (none comes), all at once.
    const [kills, notices] = await Promise.all([
      Promise.all(
        alerts.map((alert) => pipeline.tapped("pod-killer", alert.incident, { count: 2, timeoutMs: 3_000 })),
      ),
      Promise.all(
        alerts.map((alert) => pipeline.tapped("notifier", alert.incident, { count: 2, timeoutMs: 3_000 })),
      ),
    ]);
    expect(kills.map((messages) => messages.length)).toEqual(alerts.map(() => 1));
    expect(notices.map((messages) => messages.length)).toEqual(alerts.map(() => 1));
    const duplicates = [...(pipeline.logs.router ?? []), ...secondLogs].filter((line) =>
      line.includes("duplicate alert within the dedup window"),
    );
    expect(duplicates).toHaveLength(alerts.length);
  });
});
