import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshAlert } from "./alerts.js";
import { type Pipeline, startPipeline } from "./harness.js";

let pipeline: Pipeline;

beforeAll(async () => {
  pipeline = await startPipeline({ emulatorHost: inject("pubsubEmulatorHost"), services: ["router"] });
}, 60_000);

afterAll(async () => {
  await pipeline?.stop();
});

describe("router end to end", { timeout: 60_000 }, () => {
  it("a Critical alert with a pod → kill-pod, notify and export-finding commands", async () => {
    const alert = freshAlert("sidekick-critical-drop-exec.json");
    await pipeline.sendAlert(alert.json);
    const [kill] = await pipeline.tapped("pod-killer", alert.incident);
    const [notify] = await pipeline.tapped("notifier", alert.incident);
    const [finding] = await pipeline.tapped("scc-exporter", alert.incident);
    expect(kill?.json()).toMatchObject({
      kind: "KillPod",
      target: { namespace: "jobs", pod: "batch-worker-6f7d8-zx9k2" },
      params: { gracePeriodSeconds: 0 },
    });
    expect(kill?.attributes).toMatchObject({
      action: "kill-pod",
      priority: "Critical",
      namespace: "jobs",
      v: "1",
    });
    expect(notify?.json()).toMatchObject({ kind: "Notify" });
    expect(finding?.json()).toMatchObject({ kind: "ExportFinding" });
    expect(pipeline.logs.router?.join("\n")).toMatch(/routed Critical alert to .*kill-pod/);
  });

  it("a terminal shell alert → isolate-pod", async () => {
    const alert = freshAlert("modern-terminal-shell.json");
    await pipeline.sendAlert(alert.json);
    const [isolate] = await pipeline.tapped("isolator", alert.incident);
    expect(isolate?.json()).toMatchObject({
      kind: "IsolatePod",
      target: { namespace: "shop", pod: "web-7d9f8c6b5-abcde" },
    });
  });

  it("a Critical alert on the node itself → taint-node", async () => {
    const alert = freshAlert("host-level.json", { top: { priority: "Critical" } });
    await pipeline.sendAlert(alert.json);
    const [taint] = await pipeline.tapped("tainter", alert.incident);
    expect(taint?.json()).toMatchObject({
      kind: "TaintNode",
      target: { node: "gke-prod-default-pool-3f1c2a9e-7xkq", containerId: "host" },
    });
  });

  it("garbage → quarantine, with the original bytes and the reason", async () => {
    const garbage = `not an alert ${Date.now()}`;
    await pipeline.sendAlert(garbage);
    const deadline = Date.now() + 10_000;
    let record: { service: string; data: string; reason: { path: string; message: string } } | undefined;
    while (!record && Date.now() < deadline) {
      const batch = await pipeline.tap("quarantine", { count: 10, timeoutMs: 1_000 });
      record = batch
        .map((m) => m.json<NonNullable<typeof record>>())
        .find((r) => Buffer.from(r.data, "base64").toString() === garbage);
    }
    expect(record).toMatchObject({ service: "router", reason: { path: "$" } });
    expect(record?.reason.message).toMatch(/JSON/);
  });

  it("the same alert twice (and re-sent with another uuid) → routed once", async () => {
    const alert = freshAlert("sidekick-critical-drop-exec.json");
    await pipeline.sendAlert(alert.json);
    await pipeline.sendAlert(alert.json);
    await pipeline.sendAlert(
      JSON.stringify({ ...JSON.parse(alert.json), uuid: "00000000-0000-4000-8000-000000000000" }),
    );
    const kills = await pipeline.tapped("pod-killer", alert.incident, { count: 2, timeoutMs: 5_000 });
    expect(kills).toHaveLength(1);
    expect(pipeline.logs.router?.join("\n")).toMatch(/duplicate alert within the dedup window/);
  });

  it("a publish failure → 503 and redelivery, then the command arrives", async () => {
    // Break publishing for real: the tainter topic disappears, so the router's publish fails.
    await pipeline.pubsub.subscription("tainter-tap").delete();
    await pipeline.pubsub.topic("tainter").delete();
    const alert = freshAlert("host-level.json", { top: { priority: "Critical" } });
    await pipeline.sendAlert(alert.json);
    const deadline = Date.now() + 15_000;
    while (
      !pipeline.logs.router?.some((line) => line.includes("transient failure")) &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(pipeline.logs.router?.join("\n")).toMatch(/transient failure, asking Pub\/Sub to redeliver/);
    await pipeline.pubsub.topic("tainter").create();
    await pipeline.pubsub.topic("tainter").createSubscription("tainter-tap");
    const [taint] = await pipeline.tapped("tainter", alert.incident, { count: 1, timeoutMs: 20_000 });
    expect(taint?.json()).toMatchObject({ kind: "TaintNode" });
  });
});
