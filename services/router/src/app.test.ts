import { createSilentLogger } from "@riposte/service-kit";
import { createMemoryPublisher, pushRequest } from "@riposte/service-kit/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { DEFAULT_PLAYBOOKS_YAML } from "./playbooks/default-playbooks.js";
import { parsePlaybooks } from "./playbooks/load.js";
import { exampleText } from "./test-alerts.js";
import { ledgerForTest } from "./test-ledger.js";

function setup(options: { dryRun?: boolean; now?: () => Date; playbooksYaml?: string } = {}) {
  const publisher = createMemoryPublisher();
  const logger = createSilentLogger();
  const app = createApp({
    push: { service: "router", publisher, logger },
    publisher,
    // A ledger of its own (a fresh project): the test's only router, on the same clock.
    ledger: ledgerForTest(undefined, options.now ? { now: options.now } : {}),
    playbooks: parsePlaybooks(options.playbooksYaml ?? DEFAULT_PLAYBOOKS_YAML),
    dedupWindowSeconds: 60,
    clusterField: "cluster",
    dryRun: options.dryRun ?? false,
    ...(options.now ? { now: options.now } : {}),
  });
  return { app, publisher };
}

const critical = exampleText("sidekick-critical-drop-exec.json");

beforeAll(() => ledgerForTest().warmUp(), 60_000);

describe("router app", () => {
  it("publishes one command per action with attributes", async () => {
    const { app, publisher } = setup();
    const response = await app.request("/", pushRequest(critical));
    expect(response.status).toBe(204);
    expect(publisher.published.map((p) => p.topic).sort()).toEqual([
      "capture",
      "isolator",
      "notifier",
      "pod-killer",
      "scc-exporter",
    ]);
    const kill = publisher.on("pod-killer")[0];
    expect(kill?.attributes).toMatchObject({
      v: "1",
      kind: "KillPod",
      action: "kill-pod",
      rule: "Drop and execute new binary in container",
      priority: "Critical",
      namespace: "jobs",
    });
    expect(kill?.attributes.incident).toMatch(/^[0-9a-f]{32}$/);
    expect(kill?.message).toMatchObject({
      kind: "KillPod",
      dryRun: false,
      target: { pod: "batch-worker-6f7d8-zx9k2" },
    });
    expect(app.stats.routed).toBe(1);
  });

  it("quarantines what is not a Falco alert, with the original bytes and the reason", async () => {
    const { app, publisher } = setup();
    const garbage = '{"rule": "x", "priority": "Catastrophic"}';
    expect((await app.request("/", pushRequest(garbage, {}, { messageId: "bad-1" }))).status).toBe(204);
    const [record] = publisher.on("quarantine");
    expect(record?.message).toMatchObject({
      kind: "QuarantineRecord",
      service: "router",
      messageId: "bad-1",
    });
    const message = record?.message as { data: string; reason: { path: string; message: string } };
    expect(Buffer.from(message.data, "base64").toString()).toBe(garbage);
    expect(message.reason.path).toMatch(/^\$/);
    expect(publisher.published).toHaveLength(1);
  });

  it("routes the same incident once within the window, also when falcosidekick re-sends it", async () => {
    const { app, publisher } = setup();
    const resent = JSON.stringify({ ...JSON.parse(critical), uuid: "another-uuid" });
    await app.request("/", pushRequest(critical));
    await app.request("/", pushRequest(critical));
    await app.request("/", pushRequest(resent));
    expect(publisher.on("pod-killer")).toHaveLength(1);
    expect(app.stats.duplicates).toBe(2);
  });

  it("routes concurrent duplicates once", async () => {
    const { app, publisher } = setup();
    const responses = await Promise.all([1, 2, 3].map(() => app.request("/", pushRequest(critical))));
    expect(responses.map((r) => r.status)).toEqual([204, 204, 204]);
    expect(publisher.on("pod-killer")).toHaveLength(1);
  });

  it("when the first of concurrent duplicates fails, exactly one of the others routes it", async () => {
    const { app, publisher } = setup();
    publisher.failNext(5); // all five commands of the first routing (isolate, capture, kill, notify, export)
    const responses = await Promise.all([1, 2, 3, 4].map(() => app.request("/", pushRequest(critical))));
    expect(responses.map((r) => r.status).sort()).toEqual([204, 204, 204, 503]);
    expect(publisher.on("pod-killer")).toHaveLength(1);
  });

  it("routes it again once the window has passed", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const { app, publisher } = setup({ now: () => now });
    await app.request("/", pushRequest(critical));
    now = new Date(now.getTime() + 61_000);
    await app.request("/", pushRequest(critical));
    expect(publisher.on("pod-killer")).toHaveLength(2);
  });

  it("answers 503 when a command cannot be published, and routes on redelivery", async () => {
    const { app, publisher } = setup();
    publisher.failNext(1);
    expect((await app.request("/", pushRequest(critical))).status).toBe(503);
    expect((await app.request("/", pushRequest(critical))).status).toBe(204);
    expect(
      publisher.on("pod-killer").length +
        publisher.on("notifier").length +
        publisher.on("scc-exporter").length,
    ).toBeGreaterThanOrEqual(3);
    expect(publisher.on("pod-killer").length).toBeGreaterThanOrEqual(1);
  });

  it("sends dry-run commands when DRY_RUN is set", async () => {
    const { app, publisher } = setup({ dryRun: true });
    await app.request("/", pushRequest(critical));
    expect(publisher.published.every((p) => (p.message as { dryRun: boolean }).dryRun)).toBe(true);
  });

  it("a dry-run playbook's params never reach a live taint: NoSchedule, no cordon", async () => {
    const { app, publisher } = setup({
      playbooksYaml: `playbooks:
  - name: trial-evict
    dry_run: true
    match: { priority: ">= Critical" }
    actions: [{ action: taint-node, params: { effect: NoExecute, cordon: true } }]
  - name: live-taint
    match: { priority: ">= Critical" }
    actions: [{ action: taint-node, params: { effect: NoSchedule } }]
`,
    });
    const hostCritical = JSON.stringify({
      ...JSON.parse(exampleText("host-level.json")),
      priority: "Critical",
    });
    expect((await app.request("/", pushRequest(hostCritical))).status).toBe(204);
    expect(publisher.on("tainter").map((p) => p.message)).toEqual([
      expect.objectContaining({
        kind: "TaintNode",
        dryRun: false,
        params: { effect: "NoSchedule", cordon: false },
        playbooks: ["trial-evict", "live-taint"],
        trialPlaybooks: ["trial-evict"],
      }),
    ]);
  });

  it("acks an alert no playbook matches, publishing nothing", async () => {
    const { app, publisher } = setup();
    expect((await app.request("/", pushRequest(exampleText("informational.json")))).status).toBe(204);
    expect(publisher.published).toHaveLength(0);
    expect(app.stats.unmatched).toBe(1);
  });
});
