// Actions held for approval (issue 21), through the router's push endpoint and the real ledger on the
// Firestore emulator: the held command is never published — not on redelivery, not by a second
// instance — the ledger hears of it before anything is published, and the published commands tell it.
import type { Command } from "@riposte/contracts";
import type { Ledger } from "@riposte/ledger";
import { createSilentLogger } from "@riposte/service-kit";
import { createMemoryPublisher, freePort, pushRequest } from "@riposte/service-kit/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp, type RouterLedger } from "./app.js";
import { parsePlaybooks } from "./playbooks/load.js";
import { exampleAlert, exampleText } from "./test-alerts.js";
import { ledgerForTest, uniqueLedgerProject } from "./test-ledger.js";

const critical = exampleText("sidekick-critical-drop-exec.json");
const incident = exampleAlert("sidekick-critical-drop-exec.json").incidentKey;

/** The default chain for a Critical alert in a container, the kill held for approval. */
const HELD_KILL = `playbooks:
  - name: announce
    match: { priority: ">= Warning" }
    actions: [notify, export-finding]
  - name: kill-critical
    match: { priority: ">= Critical", target: container }
    dry_run: DRY
    actions:
      - isolate-pod
      - { action: capture, after: isolate-pod }
      - action: kill-pod
        after: capture
        approval: { timeout: 15m, on_timeout: proceed, approvers: ["group:SRE@acme.com", alice@acme.com] }
`;

function routerInstance(
  ledger: RouterLedger,
  options: {
    publisher?: ReturnType<typeof createMemoryPublisher>;
    now?: () => Date;
    dryRun?: boolean;
    dedupWindowSeconds?: number;
  } = {},
) {
  const publisher = options.publisher ?? createMemoryPublisher();
  const app = createApp({
    push: { service: "router", publisher, logger: createSilentLogger() },
    publisher,
    ledger,
    playbooks: parsePlaybooks(HELD_KILL.replace("DRY", String(options.dryRun ?? false))),
    // 0 unless asked: every delivery is routed again, as after the dedup window — the hold must stand.
    dedupWindowSeconds: options.dedupWindowSeconds ?? 0,
    clusterField: "cluster",
    dryRun: false,
    ...(options.now ? { now: options.now } : {}),
  });
  return { app, publisher };
}

const topics = (publisher: ReturnType<typeof createMemoryPublisher>) =>
  publisher.published.map((message) => message.topic).sort();
const commandsOf = (publisher: ReturnType<typeof createMemoryPublisher>) =>
  publisher.published.map((message) => message.message as Command);
const NOW_PUBLISHED = ["capture", "isolator", "notifier", "scc-exporter"];

beforeAll(() => ledgerForTest().warmUp(), 60_000);

describe("router: actions held for approval", () => {
  it("the kill is held in the ledger, not published; every published command tells it", async () => {
    const ledger = ledgerForTest();
    const issuedAt = new Date();
    const { app, publisher } = routerInstance(ledger, { now: () => issuedAt });
    expect((await app.request("/", pushRequest(critical))).status).toBe(204);
    expect(topics(publisher)).toEqual(NOW_PUBLISHED);
    const deadline = new Date(issuedAt.getTime() + 15 * 60_000).toISOString();
    const awaiting = [
      {
        action: "kill-pod",
        deadline,
        onTimeout: "proceed",
        approvers: ["group:sre@acme.com", "user:alice@acme.com"],
      },
    ];
    for (const command of commandsOf(publisher)) expect(command.awaitingApproval).toEqual(awaiting);
    const stored = await ledger.readApproval(incident, "kill-pod");
    expect(stored).toMatchObject({ state: "awaiting-approval", deadline: new Date(deadline) });
    expect(stored?.command).toMatchObject({
      kind: "KillPod",
      incident,
      dryRun: false,
      order: { after: ["capture"] },
    });
    expect(app.stats).toMatchObject({ routed: 1, held: 1 });
  });

  it("a redelivery, later and on another instance, publishes no kill and shows the first deadline", async () => {
    const project = uniqueLedgerProject();
    const first = new Date();
    const later = new Date(first.getTime() + 5 * 60_000);
    const one = routerInstance(ledgerForTest(project), { now: () => first });
    const two = routerInstance(ledgerForTest(project), { now: () => later });
    expect((await one.app.request("/", pushRequest(critical, {}, { messageId: "m-1" }))).status).toBe(204);
    for (const messageId of ["m-1", "m-2"]) {
      expect((await two.app.request("/", pushRequest(critical, {}, { messageId }))).status).toBe(204);
    }
    expect(topics(one.publisher)).toEqual(NOW_PUBLISHED);
    expect(two.publisher.on("pod-killer")).toHaveLength(0);
    const deadlines = commandsOf(two.publisher).map((command) => command.awaitingApproval?.[0]?.deadline);
    expect(new Set(deadlines)).toEqual(new Set([new Date(first.getTime() + 15 * 60_000).toISOString()]));
  });

  it("once decided, a redelivered alert neither publishes the kill nor asks again", async () => {
    const ledger = ledgerForTest();
    const { app, publisher } = routerInstance(ledger);
    expect((await app.request("/", pushRequest(critical))).status).toBe(204);
    const decided = await ledger.decideApproval({
      incident,
      action: "kill-pod",
      decision: "denied",
      by: "user:alice@acme.com",
      via: "cli",
    });
    expect(decided.ok).toBe(true);
    const before = publisher.published.length;
    expect((await app.request("/", pushRequest(critical))).status).toBe(204);
    const again = commandsOf(publisher).slice(before);
    expect(again.map((command) => command.kind).sort()).toEqual([
      "Capture",
      "ExportFinding",
      "IsolatePod",
      "Notify",
    ]);
    for (const command of again) expect(command.awaitingApproval).toBeUndefined();
    expect(await ledger.readApproval(incident, "kill-pod")).toMatchObject({ state: "denied" });
  });

  it("the ledger out of reach when holding: 503, nothing published; the retried delivery publishes once", async () => {
    const project = uniqueLedgerProject();
    const reachable = ledgerForTest(project);
    const unreachable = ledgerForTest(project, {
      emulatorHost: `127.0.0.1:${await freePort()}`,
      timeoutMs: 1_000,
    });
    // Claims reach the ledger; the hold does not (a real client on a dead port, not a mock).
    const holdFails: RouterLedger = {
      ...pickClaims(reachable),
      requestApprovals: unreachable.requestApprovals,
    };
    const publisher = createMemoryPublisher();
    const failing = routerInstance(holdFails, { publisher });
    const response = await failing.app.request("/", pushRequest(critical, {}, { messageId: "m-1" }));
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/could not record the actions held for approval in the ledger/);
    expect(publisher.published).toHaveLength(0);
    // The claim was given back: falcosidekick's own retry (another message) is routed, by another instance.
    const healthy = routerInstance(reachable, { publisher });
    expect((await healthy.app.request("/", pushRequest(critical, {}, { messageId: "m-2" }))).status).toBe(
      204,
    );
    expect(topics(publisher)).toEqual(NOW_PUBLISHED);
    expect(await reachable.readApproval(incident, "kill-pod")).toMatchObject({ state: "awaiting-approval" });
  });

  it("a publish failing after the hold: 503, and the redelivery publishes with the stored deadline", async () => {
    const project = uniqueLedgerProject();
    const first = new Date();
    const publisher = createMemoryPublisher();
    const one = routerInstance(ledgerForTest(project), { publisher, now: () => first });
    publisher.failNext(4);
    expect((await one.app.request("/", pushRequest(critical, {}, { messageId: "m-1" }))).status).toBe(503);
    const later = new Date(first.getTime() + 60_000);
    const two = routerInstance(ledgerForTest(project), { publisher, now: () => later });
    expect((await two.app.request("/", pushRequest(critical, {}, { messageId: "m-1" }))).status).toBe(204);
    expect(topics(publisher)).toEqual(NOW_PUBLISHED);
    const deadline = new Date(first.getTime() + 15 * 60_000).toISOString();
    for (const command of commandsOf(publisher))
      expect(command.awaitingApproval?.[0]?.deadline).toBe(deadline);
  });

  it("two instances at the same moment: one set of commands, one hold", async () => {
    const project = uniqueLedgerProject();
    const publisher = createMemoryPublisher();
    // With the default window, so the second is a duplicate rather than a second routing.
    const [a, b] = [1, 2].map(() =>
      routerInstance(ledgerForTest(project), { publisher, dedupWindowSeconds: 60 }),
    ) as [ReturnType<typeof routerInstance>, ReturnType<typeof routerInstance>];
    const responses = await Promise.all([
      a.app.request("/", pushRequest(critical, {}, { messageId: "m-1" })),
      b.app.request("/", pushRequest(critical, {}, { messageId: "m-2" })),
    ]);
    expect(responses.map((response) => response.status)).toEqual([204, 204]);
    expect(topics(publisher)).toEqual(NOW_PUBLISHED);
    expect(a.app.stats.held + b.app.stats.held).toBe(1);
  });

  it("a dry-run playbook's kill is held the same way (a rehearsal)", async () => {
    const ledger = ledgerForTest();
    const { app, publisher } = routerInstance(ledger, { dryRun: true });
    expect((await app.request("/", pushRequest(critical))).status).toBe(204);
    expect(publisher.on("pod-killer")).toHaveLength(0);
    expect(publisher.on("isolator")[0]?.message).toMatchObject({
      dryRun: true,
      awaitingApproval: [{ action: "kill-pod" }],
    });
    expect((await ledger.readApproval(incident, "kill-pod"))?.command).toMatchObject({
      kind: "KillPod",
      dryRun: true,
    });
  });
});

function pickClaims(ledger: Ledger): Omit<RouterLedger, "requestApprovals"> {
  return {
    claimIncident: ledger.claimIncident,
    markRouted: ledger.markRouted,
    releaseClaim: ledger.releaseClaim,
  };
}
