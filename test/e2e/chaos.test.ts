// Chaos, 1,000 alerts (the 10,000-alert run is `npm run test:chaos`): every service a real process
// behind real push subscriptions on the emulator, the simulated cluster answering 500/429/slowly,
// Slack and the SOAR webhook answering 429 and 5xx bursts, SCC answering UNAVAILABLE, and the router,
// pod-killer, notifier and isolator SIGKILLed and restarted mid-storm. Afterwards every (incident,
// action) pair must be in exactly one terminal state — an outcome or a dead-letter queue — and no pod
// may have been deleted, nor node tainted, twice. The ledger's own checks are tested first, on
// hand-made input, so that a broken ledger cannot make the storm look clean.
import type { KubeObject, RequestRecord } from "@riposte/k8s-sim";
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  accountPairs,
  findDoubledActions,
  type ObservedDeadLetter,
  type ObservedOutcome,
  terminalStateOf,
} from "../chaos/ledger.js";
import { type ChaosReport, formatChaosReport, runChaos } from "../chaos/run.js";
import { DEFAULT_SCHEDULE } from "../chaos/schedule.js";
import { formatLedgerTable } from "../chaos/table.js";
import { problemsOf } from "../chaos/verdict.js";

const A = "a".repeat(32);
const B = "b".repeat(32);

const outcome = (
  incident: string,
  action: string,
  result: ObservedOutcome["result"],
  at = "2026-01-01T00:00:00Z",
): ObservedOutcome => ({ incident, action, result, at, service: "test", messageId: `${incident}-${at}` });

function request(seq: number, partial: Partial<RequestRecord>): RequestRecord {
  return {
    seq,
    time: "2026-01-01T00:00:00Z",
    method: "GET",
    path: "/",
    query: {},
    status: 200,
    durationMs: 1,
    ...partial,
  };
}

describe("chaos ledger", () => {
  it("puts each expected pair in one terminal state and counts the rest unaccounted", () => {
    const deadLetter: ObservedDeadLetter = { subscription: "router", incident: B, messageId: "d1" };
    const ledger = accountPairs(
      [
        { incident: A, action: "kill-pod" },
        { incident: A, action: "notify" },
        { incident: A, action: "export-finding" },
        { incident: B, action: "notify" },
        { incident: B, action: "isolate-pod" },
      ],
      [outcome(A, "kill-pod", "done"), outcome(A, "notify", "refused"), outcome(A, "taint-node", "done")],
      [deadLetter],
    );
    expect(ledger.total.expected).toBe(5);
    expect(ledger.total.states.done).toBe(1);
    expect(ledger.total.states.refused).toBe(1);
    // The dead-lettered alert accounts for both of its actions.
    expect(ledger.total.states["dead-lettered"]).toBe(2);
    expect(ledger.unaccounted.map((pair) => `${pair.incident} ${pair.action}`)).toEqual([
      `${A} export-finding`,
    ]);
    expect(ledger.total.unaccounted).toBe(1);
    expect(ledger.unexpectedOutcomes).toEqual([outcome(A, "taint-node", "done")]);
    expect(formatLedgerTable(ledger)).toMatch(/^total\s+5\s+1\s+0\s+0\s+1\s+0\s+0\s+2\s+1\s/m);
  });

  it("keeps a done action done whatever a redelivery reports, else takes the latest outcome", () => {
    expect(
      terminalStateOf(
        [outcome(A, "kill-pod", "done"), outcome(A, "kill-pod", "already-done", "2026-01-02T00:00:00Z")],
        false,
      ),
    ).toBe("done");
    expect(
      terminalStateOf(
        [outcome(A, "kill-pod", "refused", "2026-01-02T00:00:00Z"), outcome(A, "kill-pod", "stale")],
        false,
      ),
    ).toBe("refused");
    expect(terminalStateOf([], true)).toBe("dead-lettered");
    expect(terminalStateOf([], false)).toBeUndefined();
    const ledger = accountPairs(
      [{ incident: A, action: "kill-pod" }],
      [outcome(A, "kill-pod", "refused"), outcome(A, "kill-pod", "done", "2026-01-02T00:00:00Z")],
      [],
    );
    expect(ledger.total).toMatchObject({ redelivered: 1, changed: 1, states: { done: 1 } });
  });

  it("finds a pod deleted twice, a node tainted twice and an overflowed request log", () => {
    const node = (name: string, keys: string[]): KubeObject => ({
      kind: "Node",
      metadata: { name },
      spec: { taints: keys.map((key) => ({ key, effect: "NoSchedule" })) },
    });
    const requests = [
      request(7, { method: "DELETE", verb: "delete", resource: "pods", namespace: "shop", name: "web-1" }),
      request(8, {
        method: "DELETE",
        verb: "delete",
        resource: "pods",
        namespace: "shop",
        name: "web-1",
        status: 404,
      }),
      request(9, { method: "DELETE", verb: "delete", resource: "pods", namespace: "shop", name: "web-2" }),
      request(10, { method: "DELETE", verb: "delete", resource: "pods", namespace: "shop", name: "web-2" }),
      request(11, { method: "PATCH", verb: "patch", resource: "nodes", name: "n1" }),
    ];
    const doubled = findDoubledActions(requests, [
      node("n1", ["riposte.dev/compromised", "dedicated", "riposte.dev/compromised"]),
      node("n2", ["riposte.dev/compromised"]),
    ]);
    expect(doubled.podsDeletedTwice).toEqual({ "shop/web-2": 2 });
    expect(doubled.deletedPods).toBe(2);
    expect(doubled.nodesTaintedTwice).toEqual({ n1: 2 });
    expect(doubled.nodesPatchedTwice).toEqual({});
    expect(doubled.requestLogComplete).toBe(false);
    expect(findDoubledActions([request(1, {})], []).requestLogComplete).toBe(true);
  });
});

describe("chaos: 1,000 alerts through every service while it all goes wrong", { timeout: 420_000 }, () => {
  let report: ChaosReport;

  beforeAll(async () => {
    report = await runChaos({
      emulatorHost: inject("pubsubEmulatorHost"),
      alerts: 1_000,
      ratePerSecond: 25,
      log: (line) => console.log(line),
    });
    console.log(`\n${formatChaosReport(report)}\n`);
  }, 420_000);

  it("accounts for every (incident, action) pair: 0 unaccounted, nothing doubled, nothing unexpected", () => {
    expect(problemsOf(report)).toEqual([]);
    expect(report.quiescence).toBe("all-accounted");
    expect(report.alertsSent).toBeGreaterThanOrEqual(1_000);
    expect(report.ledger.total.unaccounted).toBe(0);
    expect(report.ledger.total.doubled).toBe(0);
    const { total } = report.ledger;
    const terminal = Object.values(total.states).reduce((sum, count) => sum + count, 0);
    expect(terminal).toBe(total.expected);
  });

  it("really executed a good share, and every alert shape ended the way it must", () => {
    const { byShape, ledger } = report;
    const row = (action: string) => ledger.rows.find((candidate) => candidate.action === action);
    // Kills and isolations are capped at 20 a minute in the cluster (blast radius); the rest is refused.
    expect(row("kill-pod")?.states.done).toBeGreaterThanOrEqual(20);
    expect(row("isolate-pod")?.states.done).toBeGreaterThanOrEqual(20);
    expect(row("taint-node")?.states.done).toBeGreaterThanOrEqual(1);
    expect(row("notify")?.states.done).toBeGreaterThanOrEqual(500);
    expect(row("export-finding")?.states.done).toBeGreaterThanOrEqual(
      0.95 * (row("export-finding")?.expected ?? 0),
    );

    /** The states the pairs of one alert shape ended in; an alert the router dead-lettered may add "dead-lettered". */
    const endings = (shape: string, action: string) => byShape[shape]?.[action] ?? {};
    const endsIn = (shape: string, action: string, main: string, others: string[] = []) => {
      const states = endings(shape, action);
      expect(states[main], `${shape} ${action}: ${JSON.stringify(states)}`).toBeGreaterThan(0);
      expect(
        Object.keys(states).filter((state) => ![main, ...others, "dead-lettered"].includes(state)),
        `${shape} ${action}: ${JSON.stringify(states)}`,
      ).toEqual([]);
    };
    // Pods Riposte may not read: failed for good. Pods whose reads always fail: dead-lettered.
    endsIn("kill-forbidden", "kill-pod", "failed");
    expect(Object.keys(endings("kill-unreachable", "kill-pod"))).toEqual(["dead-lettered"]);
    endsIn("kill-protected", "kill-pod", "refused");
    // A pod replaced since the alert is never deleted (stale), unless it is gone already.
    endsIn("kill-replaced-pod", "kill-pod", "stale", ["already-done"]);
    // The dry-run playbook changes nothing: dry-run, or nothing to do for a pod already gone.
    endsIn("drill", "kill-pod", "dry-run", ["already-done"]);
    endsIn("drill", "isolate-pod", "dry-run", ["stale"]);
    expect(byShape.informational).toBeUndefined();
  });

  it("really went through the chaos: faults answered, services killed and back", () => {
    expect(report.events.filter((event) => event.downMs === undefined).length).toBe(DEFAULT_SCHEDULE.length);
    for (const service of ["pod-killer", "router", "notifier", "isolator"]) {
      expect(report.events.map((event) => event.description)).toContainEqual(
        expect.stringMatching(new RegExp(`^${service} back`)),
      );
    }
    expect(report.restartFailures).toEqual([]);
    expect(report.clusterFaultAnswers).toBeGreaterThan(40);
    expect(report.scc.injectedFailures).toBe(25);
    expect(report.webhookAnswers["slack 429"]).toBe(5);
    expect(report.webhookAnswers["soar 503"]).toBe(6);
    expect((report.webhookAnswers["slack 500"] ?? 0) + (report.webhookAnswers["slack 502"] ?? 0)).toBe(13);
  });
});
