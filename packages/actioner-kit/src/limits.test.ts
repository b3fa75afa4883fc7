// The blast-radius limiter on the real Firestore emulator: windows per rule, counted across instances,
// and holders that re-use their own slot (a redelivery is not a second action).
import { randomBytes } from "node:crypto";
import { createLedgerFirestore, createObjectSlots, LedgerUnavailableError } from "@riposte/ledger";
import { describe, expect, inject, it } from "vitest";
import { createLimiter, type LimitRule } from "./limits.js";
import { ledgerForTest } from "./testing.js";

const rules: LimitRule[] = [
  { name: "kills per namespace", scope: "namespace", max: 1, windowMs: 60_000 },
  { name: "kills per cluster", scope: "cluster", max: 2, windowMs: 60_000 },
];
const projectId = () => `limits-test-${randomBytes(4).toString("hex")}`;
const incident = () => randomBytes(16).toString("hex");
const slot = (holder: string, namespace = "shop") => ({
  cluster: "prod",
  namespace,
  holder,
  incident: incident(),
  action: "kill-pod",
});
/** Two instances of one actioner: one project, two clients. */
const twoInstances = (limitRules: readonly LimitRule[] = rules) => {
  const project = projectId();
  return [
    createLimiter(limitRules, ledgerForTest(project)),
    createLimiter(limitRules, ledgerForTest(project)),
  ];
};

describe("blast-radius limiter", { timeout: 60_000 }, () => {
  it("counts per namespace and per cluster across instances, naming the limit reached", async () => {
    const [one, two] = twoInstances();
    expect(await one?.reserve(slot("a", "shop"))).toEqual({ ok: true });
    expect(await two?.reserve(slot("b", "shop"))).toEqual({
      ok: false,
      reason: "blast-radius limit reached: kills per namespace (1 per 60 s) in namespace shop",
    });
    expect(await two?.reserve(slot("c", "jobs"))).toEqual({ ok: true });
    expect(await one?.reserve(slot("d", "web"))).toMatchObject({ ok: false, reason: /in cluster prod/ });
  });

  it("a refusal by the cluster limit spends no slot of the namespace's", async () => {
    const project = projectId();
    const tight = createLimiter(rules, ledgerForTest(project));
    expect(await tight.reserve(slot("a", "one"))).toEqual({ ok: true });
    expect(await tight.reserve(slot("b", "two"))).toEqual({ ok: true });
    expect(await tight.reserve(slot("c", "three"))).toMatchObject({ ok: false, reason: /in cluster prod/ });
    // Namespace three's slot is still free for a limiter whose cluster limit has room.
    const roomy = createLimiter([rules[0] as LimitRule], ledgerForTest(project));
    expect(await roomy.reserve(slot("c", "three"))).toEqual({ ok: true });
  });

  it("the same holder re-uses its slot, from either instance, and never takes a second one", async () => {
    const [one, two] = twoInstances();
    const holder = "kill-pod|Pod|shop|web-1|uid-1";
    expect(await one?.reserve(slot(holder))).toEqual({ ok: true });
    expect(await two?.reserve(slot(holder))).toEqual({ ok: true }); // the redelivery, elsewhere
    expect(await two?.reserve(slot("kill-pod|Pod|shop|web-2|uid-2"))).toMatchObject({ ok: false });
  });

  it("counts objects, not writes: three incidents escalating one node hold one slot", async () => {
    const [one, two] = twoInstances([
      { name: "node taints per cluster", scope: "cluster", max: 1, windowMs: 60_000 },
    ]);
    const node = { cluster: "prod", holder: "taint-node|Node||node-1|uid-n1", action: "taint-node" };
    const decisions = await Promise.all(
      [one, two, one].map((limiter) => limiter?.reserve({ ...node, incident: incident() })),
    );
    expect(decisions).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(
      await two?.reserve({ ...node, holder: "taint-node|Node||node-2|uid-n2", incident: incident() }),
    ).toMatchObject({ ok: false });
  });

  it("slots count for their window: a new one has room again, an old holder takes a new slot", async () => {
    let now = new Date("2026-12-05T10:00:10Z");
    const firestore = createLedgerFirestore({
      projectId: projectId(),
      emulatorHost: inject("firestoreEmulatorHost"),
    });
    const limiter = createLimiter(rules, createObjectSlots({ firestore, timeoutMs: 30_000, now: () => now }));
    expect(await limiter.reserve(slot("a"))).toEqual({ ok: true });
    now = new Date("2026-12-05T10:00:59.999Z");
    expect(await limiter.reserve(slot("b"))).toMatchObject({ ok: false });
    now = new Date("2026-12-05T10:01:10Z");
    expect(await limiter.reserve(slot("b"))).toEqual({ ok: true });
    // a's slot is a window old: it counts no more, and a takes a new one, which the limit now refuses.
    expect(await limiter.reserve(slot("a"))).toMatchObject({ ok: false });
  });

  it("asks the ledger nothing when no rule applies (a namespace rule, a node)", async () => {
    const unreachable = {
      takeObjectSlots: () => Promise.reject(new LedgerUnavailableError("not to be called")),
    };
    const limiter = createLimiter([rules[0] as LimitRule], unreachable);
    expect(
      await limiter.reserve({ cluster: "prod", holder: "n", incident: incident(), action: "taint-node" }),
    ).toEqual({
      ok: true,
    });
    await expect(limiter.reserve(slot("x"))).rejects.toBeInstanceOf(LedgerUnavailableError);
  });
});
