// Quarantine leases end to end: the isolator records a lease when it isolates with a ttl, and its
// scheduled call releases expired ones — exactly once across instances, never a replacement pod,
// nothing without the ledger.
import { readFileSync } from "node:fs";
import type { V1Pod } from "@kubernetes/client-node";
import { commandFromExample, runnerDepsForTest } from "@riposte/actioner-kit/testing";
import type { ActionOutcome, IsolatePodCommand } from "@riposte/contracts";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { createLedger, createLedgerFirestore, type Ledger } from "@riposte/ledger";
import { createSilentLogger } from "@riposte/service-kit";
import { pushRequest, tcpRelay } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { QUARANTINE_LABEL } from "./action.js";
import { createApp } from "./index.js";

let sim: SimCluster;
beforeAll(async () => {
  sim = await startSim({ seed: demoSeed() });
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

const RELEASE_EXPIRED = "/scheduled/release-expired";
const POD = { namespace: "shop", name: "web-7d9f8c6b5-abcde" };
const pod = () => sim.get({ kind: "Pod", ...POD }) as V1Pod | undefined;
const label = () => pod()?.metadata?.labels?.[QUARANTINE_LABEL];
const MINUTE = 60_000;

/** One isolator instance: its own Firestore client on the shared ledger (`project`), its own clock. */
async function instance(
  project: string,
  options: { clock?: () => Date; emulatorHost?: string; cluster?: SimCluster; token?: string } = {},
) {
  const firestore = createLedgerFirestore({
    projectId: project,
    emulatorHost: options.emulatorHost ?? inject("firestoreEmulatorHost"),
  });
  const leases: Ledger = createLedger({
    firestore,
    timeoutMs: options.emulatorHost ? 2_000 : 30_000,
    ...(options.clock ? { now: options.clock } : {}),
  });
  // The first call sets up the client's channel (seconds on a loaded machine): not within a delivery's
  // 5 s cap. (In production the scheduled call, every minute, has done it.)
  await leases.warmUp().catch(() => undefined);
  const runner = runnerDepsForTest(
    "isolator",
    (options.cluster ?? sim).url,
    options.token ? { token: options.token } : {},
  );
  const app = createApp(
    { push: { service: "isolator", publisher: runner.publisher, logger: createSilentLogger() }, runner },
    { leases },
  );
  return {
    leases,
    send: async (command: IsolatePodCommand) => (await app.request("/", pushRequest(command))).status,
    releaseExpired: async () => {
      const response = await app.request(RELEASE_EXPIRED, { method: "POST" });
      return {
        status: response.status,
        body: response.status === 200 ? await response.json() : await response.text(),
      };
    },
    outcomes: () => runner.publisher.on("action-outcomes").map((entry) => entry.message as ActionOutcome),
  };
}

const uniqueProject = () => `isolator-leases-${Math.random().toString(16).slice(2, 10)}`;
const isolation = (ttl = "1m") =>
  commandFromExample("isolate-pod", "modern-terminal-shell.json", { params: { ttl } });
const later = (ms: number) => () => new Date(Date.now() + ms);

describe("quarantine leases", { timeout: 60_000 }, () => {
  it("an expired lease is released once by two instances' scheduled calls at the same moment: label gone, one Event, one outcome", async () => {
    const project = uniqueProject();
    const first = await instance(project, { clock: later(2 * MINUTE) });
    const second = await instance(project, { clock: later(2 * MINUTE) });
    const command = isolation("1m");
    expect(await first.send(command)).toBe(204);
    expect(label()).toBe(command.incident);
    const [a, b] = await Promise.all([first.releaseExpired(), second.releaseExpired()]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(label()).toBeUndefined();
    const releases = [...first.outcomes(), ...second.outcomes()].filter((o) => o.action === "release-pod");
    expect(releases).toEqual([
      expect.objectContaining({ service: "isolator", result: "done", incident: command.incident }),
    ]);
    expect(
      sim
        .list({ kind: "Event", namespace: "shop" })
        .filter((e) => (e as { reason?: string }).reason === "RiposteReleased"),
    ).toHaveLength(1);
    expect(await first.leases.readQuarantineLease(leasedPod())).toMatchObject({
      state: "released",
      released: { by: "riposte-isolator", reason: expect.stringMatching(/lease expired/) },
    });
  });

  it("a lease extended just before it expires is not released", async () => {
    const project = uniqueProject();
    const isolator = await instance(project, { clock: later(2 * MINUTE) });
    const command = isolation("1m");
    await isolator.send(command);
    const extended = await isolator.leases.extendQuarantineLease(
      leasedPod(),
      new Date(Date.now() + 12 * 60 * MINUTE),
      {
        by: "alice",
        reason: "forensics still running",
      },
    );
    expect(extended.outcome).toBe("extended");
    expect((await isolator.releaseExpired()).status).toBe(200);
    expect(label()).toBe(command.incident);
    expect(isolator.outcomes().filter((o) => o.action === "release-pod")).toEqual([]);
  });

  it("a pod replaced under the same name (new uid, even with the same label) is not touched by the old lease", async () => {
    const project = uniqueProject();
    const isolator = await instance(project, { clock: later(2 * MINUTE) });
    const command = isolation("1m");
    await isolator.send(command);
    const original = pod() as V1Pod;
    sim.remove({ kind: "Pod", ...POD });
    sim.apply({
      ...original,
      metadata: { ...POD, labels: { ...original.metadata?.labels, [QUARANTINE_LABEL]: command.incident } },
    } as never);
    expect(pod()?.metadata?.uid).not.toBe(original.metadata?.uid);
    expect((await isolator.releaseExpired()).status).toBe(200);
    expect(label()).toBe(command.incident);
    expect(isolator.outcomes().filter((o) => o.action === "release-pod" && o.result === "done")).toEqual([]);
  });

  it("with the ledger out of reach the scheduled call answers 503 and releases nothing", async () => {
    const relay = await tcpRelay(inject("firestoreEmulatorHost"));
    const project = uniqueProject();
    const isolator = await instance(project, { clock: later(2 * MINUTE), emulatorHost: relay.host });
    const command = isolation("1m");
    expect(await isolator.send(command)).toBe(204);
    await relay.close();
    const answer = await isolator.releaseExpired();
    expect(answer.status).toBe(503);
    expect(label()).toBe(command.incident);
    expect(isolator.outcomes().filter((o) => o.action === "release-pod")).toEqual([]);
  });

  it("isolating with a ttl while the ledger is out of reach answers 503 and leaves the pod unlabelled (never a quarantine without its lease)", async () => {
    const relay = await tcpRelay(inject("firestoreEmulatorHost"));
    const isolator = await instance(uniqueProject(), { emulatorHost: relay.host });
    await relay.close();
    expect(await isolator.send(isolation("1h"))).toBe(503);
    expect(label()).toBeUndefined();
    expect(isolator.outcomes()).toEqual([]);
  });

  it("a later incident isolating a leased pod without a ttl keeps it quarantined; with a longer ttl, until then", async () => {
    const project = uniqueProject();
    const first = isolation("1m");
    const noTtl = commandFromExample("isolate-pod", "modern-terminal-shell.json", {
      top: { time: "2026-02-02T02:02:02.000000002Z" },
    });
    expect(noTtl.incident).not.toBe(first.incident);
    const isolator = await instance(project, { clock: later(2 * MINUTE) });
    await isolator.send(first);
    expect(await isolator.send(noTtl)).toBe(204);
    expect((await isolator.releaseExpired()).status).toBe(200);
    expect(label()).toBe(first.incident);
    // A later incident asking for 1h: the lease runs until then, not the first one's minute.
    sim.reset();
    const longer = commandFromExample("isolate-pod", "modern-terminal-shell.json", {
      top: { time: "2026-03-03T03:03:03.000000003Z" },
      params: { ttl: "1h" },
    });
    const other = await instance(uniqueProject(), { clock: later(2 * MINUTE) });
    await other.send(first);
    await other.send(longer);
    expect((await other.releaseExpired()).status).toBe(200);
    expect(label()).toBe(first.incident);
    expect((await other.leases.readQuarantineLease(leasedPod()))?.expiresAt.getTime()).toBeGreaterThan(
      Date.now() + 50 * MINUTE,
    );
  });

  it("a later no-ttl incident finding the lease being released answers 503, and its redelivery quarantines the pod again", async () => {
    const project = uniqueProject();
    const isolator = await instance(project);
    const stalled = await instance(project, { clock: later(2 * MINUTE) });
    const brief = isolation("1m");
    await isolator.send(brief);
    expect(await stalled.leases.claimExpiredQuarantineLeases()).toHaveLength(1);
    const forever = commandFromExample("isolate-pod", "modern-terminal-shell.json", {
      top: { time: "2026-02-02T02:02:02.000000002Z" },
    });
    expect(await isolator.send(forever)).toBe(503);
    // The claim ended; the next scheduled call releases the first incident's quarantine...
    const next = await instance(project, { clock: later(5 * MINUTE) });
    expect((await next.releaseExpired()).body).toMatchObject({ released: 1 });
    expect(label()).toBeUndefined();
    // ...and the later incident's redelivery quarantines the pod for good.
    expect(await isolator.send(forever)).toBe(204);
    expect(label()).toBe(forever.incident);
    expect((await next.releaseExpired()).body).toMatchObject({ released: 0 });
    expect(label()).toBe(forever.incident);
  });

  it("a release a person requested is lifted once by the next scheduled calls of two instances, in their name: the Event, the ledger and the outcome say who and why", async () => {
    const project = uniqueProject();
    const first = await instance(project);
    const second = await instance(project);
    const command = isolation("1h");
    expect(await first.send(command)).toBe(204);
    expect((await first.releaseExpired()).body).toMatchObject({ released: 0 });
    const alice = {
      by: "user:alice@example.com",
      reason: "false positive: the CI runner",
      via: "console" as const,
    };
    expect(await first.leases.requestQuarantineRelease(leasedPod(), alice)).toMatchObject({
      outcome: "requested",
    });
    const target = leasedPod();
    const [a, b] = await Promise.all([first.releaseExpired(), second.releaseExpired()]);
    expect([a.body, b.body]).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ released: 1 }),
        expect.objectContaining({ released: 0 }),
      ]),
    );
    expect(label()).toBeUndefined();
    const releases = [...first.outcomes(), ...second.outcomes()].filter((o) => o.action === "release-pod");
    expect(releases).toHaveLength(1);
    expect(releases[0]).toMatchObject({
      result: "done",
      incident: command.incident,
      reason: expect.stringMatching(/ by user:alice@example\.com: false positive: the CI runner$/),
      details: { by: alice.by, reason: alice.reason, requested: { via: "console" } },
    });
    const events = sim
      .list({ kind: "Event", namespace: "shop" })
      .filter((e) => (e as { reason?: string }).reason === "RiposteReleased") as { message?: string }[];
    expect(events.map((e) => e.message)).toEqual([
      expect.stringMatching(/; by user:alice@example\.com: false positive: the CI runner$/),
    ]);
    expect(await first.leases.readQuarantineLease(target)).toMatchObject({
      state: "released",
      released: { by: alice.by, reason: alice.reason },
    });
  });

  it("a requested release whose audit is no person's plain line (written around the console) is lifted without repeating it", async () => {
    const isolator = await instance(uniqueProject());
    await isolator.send(isolation("1h"));
    const target = leasedPod();
    await isolator.leases.requestQuarantineRelease(target, {
      by: "__proto__",
      reason: "ok\n<script>alert(1)</script>\u202e",
    });
    expect((await isolator.releaseExpired()).body).toMatchObject({ released: 1 });
    const [outcome] = isolator.outcomes().filter((o) => o.action === "release-pod");
    expect(JSON.stringify(outcome)).not.toMatch(/script|__proto__|\\u202e/);
    expect(outcome?.details).toMatchObject({ by: "riposte-isolator" });
    const events = sim.list({ kind: "Event", namespace: "shop" }) as { message?: string }[];
    expect(events.some((e) => /script|__proto__/.test(e.message ?? ""))).toBe(false);
    expect((await isolator.leases.readQuarantineLease(target))?.released?.reason).toMatch(/not shown/);
  });

  it("isolating without a ttl records no lease: nothing is ever released by the scheduled call", async () => {
    const project = uniqueProject();
    const isolator = await instance(project, { clock: later(60 * 24 * 60 * MINUTE) });
    const command = commandFromExample("isolate-pod", "modern-terminal-shell.json");
    await isolator.send(command);
    expect(await isolator.leases.readQuarantineLease(leasedPod())).toBeUndefined();
    expect((await isolator.releaseExpired()).status).toBe(200);
    expect(label()).toBe(command.incident);
  });
});

/** The lease key of the demo pod as it is now (cluster `local`: runnerDepsForTest's). */
function leasedPod() {
  const current = pod() as V1Pod;
  return { cluster: "local", namespace: POD.namespace, pod: POD.name, podUid: current.metadata?.uid ?? "" };
}

describe("the release of an expired lease with the isolator's generated role", { timeout: 60_000 }, () => {
  let rbacSim: SimCluster;
  beforeAll(async () => {
    rbacSim = await startSim({
      seed: demoSeed(),
      rbac: [readFileSync(new URL("../../../infra/k8s/rbac/isolator.yaml", import.meta.url), "utf8")],
      tokens: { "token-isolator": "riposte-isolator@PROJECT_ID.iam.gserviceaccount.com" },
      anonymous: "deny",
    });
  });
  afterAll(() => rbacSim.stop());

  it("is allowed: label and the incident's allowance policies removed", async () => {
    const isolator = await instance(uniqueProject(), {
      clock: later(2 * MINUTE),
      cluster: rbacSim,
      token: "token-isolator",
    });
    const command = commandFromExample("isolate-pod", "modern-terminal-shell.json", {
      params: { ttl: "1m", allowDns: true },
    });
    expect(await isolator.send(command)).toBe(204);
    const answer = await isolator.releaseExpired();
    expect(answer).toEqual({ status: 200, body: { released: 1, ended: 0, failed: 0 } });
    const released = rbacSim.get({ kind: "Pod", ...POD }) as V1Pod;
    expect(released.metadata?.labels?.[QUARANTINE_LABEL]).toBeUndefined();
    expect(
      rbacSim.get({ kind: "NetworkPolicy", namespace: "shop", name: `riposte-dns-${command.incident}` }),
    ).toBeUndefined();
  });
});
