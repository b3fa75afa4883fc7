// decide() over the real Firestore and Pub/Sub emulators: the decision the ledger lets win is published
// once — the held command with who let it go, or a refused outcome — and every refusal is a sentence
// naming who decided what, how and when. The attacks: two deciders at the same moment, a decision
// after another, after the deadline, of an unknown incident, by a non-approver, with hostile input.
import { startCloudIdentityStandin } from "@riposte/standins";
import { afterAll, describe, expect, it } from "vitest";
import { decide } from "./decide.js";
import { createCloudIdentityDirectory } from "./directory.js";
import { MINUTE, useApprovalFixture } from "./test-fixture.js";

const fixture = await useApprovalFixture();
const groups = await startCloudIdentityStandin();
groups.setGroup("sre@acme.com", ["oncall@acme.com"]);
groups.setGroup("oncall@acme.com", ["bob@acme.com"]);
afterAll(async () => {
  await groups.close();
  await fixture.close();
});
const directory = createCloudIdentityDirectory({ baseUrl: groups.url, accessToken: async () => undefined });
const deps = fixture.instance();
const ref = (incident: string) => ({ incident, action: "kill-pod" });
const approve = { decision: "approved" as const, identity: "user:alice@acme.com", via: "cli" as const };

describe("decide", { timeout: 60_000 }, () => {
  it("an approval publishes the held command, once, saying who let it go", async () => {
    const held = await fixture.hold();
    const result = await decide(deps, {
      ...approve,
      ref: ref(held.incident),
      identity: "user:Alice@ACME.com",
    });
    expect(result).toMatchObject({ ok: true, published: true });
    expect(result.message).toBe(
      `kill-pod of incident ${held.incident.slice(0, 12)} approved by user:alice@acme.com via cli at 2026-12-06T12:00:00Z`,
    );
    const [published, ...more] = await fixture.settle("pod-killer", held.incident, 1);
    expect(more).toEqual([]);
    expect(fixture.commandSchema.parse(published?.json)).toEqual({
      ...held,
      approval: { by: "user:alice@acme.com", via: "cli", at: fixture.clock.now.toISOString() },
    });
    expect(published?.attributes).toMatchObject({
      kind: "KillPod",
      incident: held.incident,
      action: "kill-pod",
    });
    expect((await fixture.router.readApproval(held.incident, "kill-pod"))?.publish?.done).toBe(true);
  });

  it("a denial publishes a refused outcome with who denied it and why", async () => {
    const held = await fixture.hold();
    const result = await decide(deps, {
      ref: ref(held.incident),
      decision: "denied",
      identity: "user:alice@acme.com",
      via: "slack",
      reason: "  the <script> pod is a canary  ",
    });
    expect(result).toMatchObject({ ok: true, published: true });
    const [outcome, ...more] = await fixture.settle("action-outcomes", held.incident, 1);
    expect(more).toEqual([]);
    expect(outcome?.json).toMatchObject({
      kind: "ActionOutcome",
      service: "console",
      action: "kill-pod",
      result: "refused",
      reason: "denied by user:alice@acme.com via slack: the <script> pod is a canary",
      details: { approval: { state: "denied", by: "user:alice@acme.com", via: "slack" } },
    });
    expect(fixture.arrived("pod-killer", held.incident)).toEqual([]);
  });

  it("attack: two deciders approving at the same moment publish one command", async () => {
    const held = await fixture.hold();
    const slack = fixture.instance();
    const cli = fixture.instance();
    const results = await Promise.all([
      decide(slack, { ...approve, via: "slack", ref: ref(held.incident) }),
      decide(cli, { ...approve, identity: "user:alice@acme.com", ref: ref(held.incident) }),
    ]);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    const loser = results.find((result) => !result.ok);
    expect(loser).toMatchObject({ ok: false, refusal: "already-decided" });
    expect(loser?.message).toMatch(
      /^kill-pod of incident \w{12} was already approved by user:alice@acme\.com via (slack|cli) at 2026-12-06T12:00:00Z$/,
    );
    expect(await fixture.settle("pod-killer", held.incident, 1, 3_000)).toHaveLength(1);
  });

  it("attack: an approve and a deny at the same moment: one wins, and only its message is published", async () => {
    const held = await fixture.hold();
    const results = await Promise.all([
      decide(fixture.instance(), { ...approve, ref: ref(held.incident) }),
      decide(fixture.instance(), { ...approve, decision: "denied", ref: ref(held.incident) }),
    ]);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    await fixture.settle("pod-killer", held.incident, 0, 2_000);
    const commands = fixture.arrived("pod-killer", held.incident).length;
    const refusals = fixture.arrived("action-outcomes", held.incident).length;
    expect(commands + refusals).toBe(1);
  });

  it("attack: an approval after a denial is refused, naming who denied it, how and when", async () => {
    const held = await fixture.hold();
    await decide(deps, {
      ...approve,
      decision: "denied",
      identity: "user:alice@acme.com",
      via: "slack",
      ref: ref(held.incident),
    });
    const later = await decide(deps, { ...approve, ref: ref(held.incident) });
    expect(later).toMatchObject({ ok: false, refusal: "already-decided" });
    expect(later.message).toBe(
      `kill-pod of incident ${held.incident.slice(0, 12)} was already denied by user:alice@acme.com via slack at 2026-12-06T12:00:00Z`,
    );
    expect(await fixture.settle("pod-killer", held.incident, 0, 1_000)).toEqual([]);
  });

  it("attack: an approval at the deadline is refused; on_timeout decides", async () => {
    const held = await fixture.hold({
      deadline: new Date(fixture.clock.now.getTime() + MINUTE),
      onTimeout: "abandon",
    });
    const at = fixture.clock.now;
    fixture.clock.now = new Date(at.getTime() + MINUTE);
    try {
      const late = await decide(deps, { ...approve, ref: ref(held.incident) });
      expect(late).toMatchObject({ ok: false, refusal: "past-deadline" });
      expect(late.message).toBe(
        `kill-pod of incident ${held.incident.slice(0, 12)} can no longer be decided: its deadline passed at 2026-12-06T12:01:00Z, and on_timeout (abandon) decides it`,
      );
    } finally {
      fixture.clock.now = at;
    }
    expect(fixture.arrived("pod-killer", held.incident)).toEqual([]);
  });

  it("attack: an unknown incident, or an action that was not held, is refused clearly", async () => {
    const unknown = await decide(deps, { ...approve, ref: ref("0".repeat(32)) });
    expect(unknown).toMatchObject({ ok: false, refusal: "unknown" });
    expect(unknown.message).toBe(
      "kill-pod of incident 000000000000: no such action is held for approval (unknown incident, or the action was not held)",
    );
    const held = await fixture.hold();
    const isolate = await decide(deps, {
      ...approve,
      ref: { incident: held.incident, action: "isolate-pod" },
    });
    expect(isolate).toMatchObject({ ok: false, refusal: "unknown" });
  });

  it("attack: a non-approver is refused, the attempt recorded, nothing published", async () => {
    const held = await fixture.hold();
    const result = await decide(deps, {
      ...approve,
      identity: "user:mallory@acme.com",
      via: "slack",
      ref: ref(held.incident),
    });
    expect(result).toMatchObject({ ok: false, refusal: "not-an-approver" });
    expect(result.message).toContain("user:mallory@acme.com may not decide it");
    const stored = await fixture.router.readApproval(held.incident, "kill-pod");
    expect(stored?.state).toBe("awaiting-approval");
    expect(stored?.refusals).toEqual([
      expect.objectContaining({
        by: "user:mallory@acme.com",
        via: "slack",
        reason: expect.stringContaining("not among its approvers"),
      }),
    ]);
    // The approver still can: a refusal decides nothing.
    expect(await decide(deps, { ...approve, ref: ref(held.incident) })).toMatchObject({ ok: true });
  });

  it("attack: hostile requests are refused before the ledger is asked", async () => {
    const held = await fixture.hold();
    const hostile = [
      { ...approve, ref: { incident: held.incident, action: "__proto__" } },
      { ...approve, ref: { incident: `${held.incident}\n`, action: "kill-pod" } },
      { ...approve, ref: { incident: held.incident, action: "notify" } },
      { ...approve, ref: ref(held.incident), identity: "user:аlice@acme.com" }, // Cyrillic а
      { ...approve, ref: ref(held.incident), identity: "deadline" },
      { ...approve, ref: ref(held.incident), identity: `user:${"a".repeat(10_000)}@acme.com` },
      { ...approve, ref: ref(held.incident), reason: "line one\nline two" },
      { ...approve, ref: ref(held.incident), reason: "x".repeat(10_000) },
      { ...approve, ref: ref(held.incident), via: "deadline" },
    ];
    for (const request of hostile) {
      const result = await decide(deps, request as Parameters<typeof decide>[1]);
      expect(result, JSON.stringify(request).slice(0, 120)).toMatchObject({ ok: false, refusal: "invalid" });
    }
    expect((await fixture.router.readApproval(held.incident, "kill-pod"))?.state).toBe("awaiting-approval");
  });

  it("local operators decide only against the emulators, and are recorded as local", async () => {
    const held = await fixture.hold();
    const local = { ...approve, identity: "local:dev", ref: ref(held.incident) };
    const production = await decide(deps, local);
    expect(production).toMatchObject({ ok: false, refusal: "not-an-approver" });
    expect(production.message).toContain("accepted only against the emulators");
    const dev = await decide(fixture.instance({ acceptLocal: true }), local);
    expect(dev).toMatchObject({ ok: true, approval: { decision: { by: "local:dev", via: "cli" } } });
  });

  it("a member of an approver group (through a nested group) may decide", async () => {
    const held = await fixture.hold();
    const result = await decide(fixture.instance({ directory }), {
      ...approve,
      identity: "user:bob@acme.com",
      ref: ref(held.incident),
    });
    expect(result).toMatchObject({ ok: true, approval: { decision: { by: "user:bob@acme.com" } } });
  });

  it("attack: a group check that times out refuses with a clear error, and approves nothing", async () => {
    const held = await fixture.hold();
    groups.fail({ on: "checkTransitiveMembership", hang: true });
    const started = Date.now();
    const result = await decide(fixture.instance({ directory, approverCheckTimeoutMs: 500 }), {
      ...approve,
      identity: "user:bob@acme.com",
      ref: ref(held.incident),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result).toMatchObject({ ok: false, refusal: "approver-check-failed" });
    expect(result.message).toMatch(
      /^kill-pod of incident \w{12} was not approved: user:bob@acme\.com may not decide it — could not check whether user:bob@acme\.com is in its approver groups \(group:sre@acme\.com: the directory did not answer within 500 ms\); nothing was decided, try again$/,
    );
    const stored = await fixture.router.readApproval(held.incident, "kill-pod");
    expect(stored?.state).toBe("awaiting-approval");
    expect(stored?.refusals).toEqual([]);
    expect(await fixture.settle("pod-killer", held.incident, 0, 500)).toEqual([]);
  });

  it("attack: a group check that fails (503) refuses too; a 'no' from the directory is not-an-approver", async () => {
    const held = await fixture.hold();
    groups.fail({ on: "checkTransitiveMembership", status: 503 });
    const failing = await decide(fixture.instance({ directory }), {
      ...approve,
      identity: "user:bob@acme.com",
      ref: ref(held.incident),
    });
    expect(failing).toMatchObject({ ok: false, refusal: "approver-check-failed" });
    const outsider = await decide(fixture.instance({ directory }), {
      ...approve,
      identity: "user:eve@acme.com",
      ref: ref(held.incident),
    });
    expect(outsider).toMatchObject({ ok: false, refusal: "not-an-approver" });
    expect(outsider.message).toContain("nor in any of its groups");
  });
});
