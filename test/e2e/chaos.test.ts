// Chaos, 1,000 alerts (the 10,000-alert run is `npm run test:chaos`): every service a real process
// behind real push subscriptions on the emulator, the simulated cluster answering 500/429/slowly,
// Slack and the SOAR webhook answering 429 and 5xx bursts, SCC answering UNAVAILABLE, and the router,
// pod-killer, notifier and isolator SIGKILLed and restarted mid-storm. Every fault is one the retries
// outlast, so afterwards every (incident, action) pair must have ended with an outcome — none in a
// dead-letter queue — in exactly the states its action and alert shape allow, and no pod may have been
// deleted, nor node tainted, twice. The ledger's and the verdict's own checks are tested first, on
// hand-made input, so that a broken ledger cannot make the storm look clean.
import type { KubeObject, RequestRecord } from "@riposte/k8s-sim";
import { DEFAULT_PUSH_OPTIONS } from "@riposte/service-kit";
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  type ActionRow,
  accountPairs,
  findDoubledActions,
  type ObservedDeadLetter,
  type ObservedOutcome,
  terminalStateOf,
} from "../chaos/ledger.js";
import { type ChaosReport, formatChaosReport, runChaos } from "../chaos/run.js";
import { buildScenario } from "../chaos/scenario.js";
import { DEFAULT_SCHEDULE } from "../chaos/schedule.js";
import { formatLedgerTable } from "../chaos/table.js";
import { problemsOf, type VerdictInput } from "../chaos/verdict.js";

const CHAOS_SEED = 20_261_123;
const CHAOS_ALERTS = 1_000;
/** The (incident, action) pairs the seeded storm asks for, per action… */
const EXPECTED_PAIRS = {
  "kill-pod": 402,
  "isolate-pod": 269,
  "taint-node": 28,
  notify: 885,
  "export-finding": 718,
};
/** …and per alert shape, for the actions whose endings depend on the shape. */
const PAIRS_BY_SHAPE: Record<string, Record<string, number>> = {
  "kill-by-name": { "kill-pod": 211 },
  "kill-by-container-id": { "kill-pod": 44 },
  "shell-critical": { "kill-pod": 45, "isolate-pod": 45 },
  "kill-protected": { "kill-pod": 22 },
  "kill-forbidden": { "kill-pod": 20 },
  "kill-replaced-pod": { "kill-pod": 27 },
  "kill-during-outage": { "kill-pod": 10 },
  drill: { "kill-pod": 23, "isolate-pod": 23 },
  "shell-notice": { "isolate-pod": 135 },
  "api-contact": { "isolate-pod": 66 },
  "host-critical": { "taint-node": 28 },
};

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

describe("chaos scenario", () => {
  it("the seeded storm asks for exactly the pairs the 1,000-alert test counts on", () => {
    const scenario = buildScenario({ alerts: CHAOS_ALERTS, seed: CHAOS_SEED, startTimeMs: 0 });
    const perAction: Record<string, number> = {};
    const perShape: Record<string, Record<string, number>> = {};
    const shapeOf = new Map(
      scenario.alerts
        .filter((alert) => alert.shape !== "resend")
        .map((alert) => [alert.incident, alert.shape]),
    );
    for (const { incident, action } of scenario.expected) {
      perAction[action] = (perAction[action] ?? 0) + 1;
      const shape = shapeOf.get(incident) as string;
      if (!PAIRS_BY_SHAPE[shape]?.[action]) continue;
      const actions = perShape[shape] ?? {};
      perShape[shape] = actions;
      actions[action] = (actions[action] ?? 0) + 1;
    }
    expect(perAction).toEqual(EXPECTED_PAIRS);
    expect(perShape).toEqual(PAIRS_BY_SHAPE);
  });
});

describe("chaos verdict", () => {
  /** A run that ended "all accounted" with these pairs and messages, and nothing else wrong. */
  const runWith = (
    expected: { incident: string; action: string }[],
    outcomes: ObservedOutcome[],
    deadLetters: ObservedDeadLetter[],
  ) =>
    ({
      ledger: accountPairs(expected, outcomes, deadLetters),
      doubled: findDoubledActions([], []),
      invalidOutcomes: [],
      quarantined: [],
      restartFailures: [],
      followUpDeadLetters: 0,
      quiescence: "all-accounted",
    }) satisfies VerdictInput;
  const incident = (i: number) => i.toString(16).padStart(32, "0");
  const commandLetter = (i: number, action: string): ObservedDeadLetter => ({
    subscription: action === "notify" ? "notifier" : "pod-killer",
    incident: incident(i),
    action,
    messageId: `dl-${action}-${i}`,
  });

  it("fails a run in which most notifications dead-lettered, though every pair has a terminal state", () => {
    const expected = Array.from({ length: 1_000 }, (_, i) => ({ incident: incident(i), action: "notify" }));
    const run = runWith(
      expected,
      expected.slice(400).map((pair) => outcome(pair.incident, "notify", "done")),
      expected.slice(0, 400).map((_, i) => commandLetter(i, "notify")),
    );
    expect(run.ledger.total.unaccounted).toBe(0);
    expect(problemsOf(run)).toContainEqual(
      expect.stringMatching(/notify: 400 of 1000 commands \(40\.0 %\) dead-lettered/),
    );
  });

  it("counts a pair dead-lettered even when an outcome also reached action-outcomes", () => {
    const expected = Array.from({ length: 50 }, (_, i) => ({ incident: incident(i), action: "kill-pod" }));
    const run = runWith(
      expected,
      expected.map((pair) => outcome(pair.incident, "kill-pod", "refused")),
      [commandLetter(3, "kill-pod")],
    );
    expect(problemsOf(run)).toContainEqual(
      expect.stringMatching(/kill-pod: 1 of 50 commands \(2\.0 %\) dead-lettered/),
    );
  });

  it("tolerates up to 1 % of an action's commands dead-lettered", () => {
    const expected = Array.from({ length: 100 }, (_, i) => ({ incident: incident(i), action: "kill-pod" }));
    const run = runWith(
      expected,
      expected.slice(1).map((pair) => outcome(pair.incident, "kill-pod", "done")),
      [commandLetter(0, "kill-pod")],
    );
    expect(problemsOf(run)).toEqual([]);
  });
});

describe("chaos: 1,000 alerts through every service while it all goes wrong", { timeout: 420_000 }, () => {
  let report: ChaosReport;

  beforeAll(async () => {
    report = await runChaos({
      emulatorHost: inject("pubsubEmulatorHost"),
      alerts: CHAOS_ALERTS,
      seed: CHAOS_SEED,
      ratePerSecond: 25,
      log: (line) => console.log(line),
    });
    console.log(`\n${formatChaosReport(report)}\n`);
  }, 420_000);

  it("accounts for every (incident, action) pair: 0 unaccounted, 0 dead-lettered, nothing doubled, nothing unexpected", () => {
    expect(problemsOf(report)).toEqual([]);
    expect(report.quiescence).toBe("all-accounted");
    expect(report.alertsSent).toBe(CHAOS_ALERTS);
    const { rows, total } = report.ledger;
    // The seeded storm asks for exactly these pairs (scenario.ts, seed 20261123).
    expect(Object.fromEntries(rows.map((row) => [row.action, row.expected]))).toEqual(EXPECTED_PAIRS);
    // Every fault is outlasted by the retries (schedule.ts), so every command the playbooks ask for was
    // published, and each of them ended with an outcome; none in a dead-letter queue, not even with
    // an outcome as well; no alert dead-lettered at the router, no outcome at a follow-up.
    for (const row of rows) {
      const counts = ({ published, withOutcome, deadLettered, unaccounted, doubled }: ActionRow) => ({
        published,
        withOutcome,
        deadLettered,
        unaccounted,
        doubled: doubled ?? 0,
      });
      expect(counts(row), row.action).toEqual({
        published: row.expected,
        withOutcome: row.expected,
        deadLettered: 0,
        unaccounted: 0,
        doubled: 0,
      });
    }
    expect(total.states["dead-lettered"]).toBe(0);
    expect(report.followUpDeadLetters).toBe(0);
  });

  it("ends every pair the way its action and alert shape allow, exactly", () => {
    const { byShape, ledger, doubled } = report;
    const row = (action: string) => ledger.rows.find((candidate) => candidate.action === action) as ActionRow;
    /** The states of one action's pairs, without the zeros. */
    const statesOf = (action: string) =>
      Object.fromEntries(Object.entries(row(action).states).filter(([, count]) => count > 0));
    /** The states one alert shape's pairs of one action ended in. */
    const endings = (shape: string, action: string) => byShape[shape]?.[action] ?? {};
    const sum = (states: Record<string, number>) => Object.values(states).reduce((a, b) => a + b, 0);
    /** Every pair of the shape ends in one of `allowed`, and together they are all of its pairs. */
    const endsIn = (shape: string, action: string, allowed: string[]) => {
      const states = endings(shape, action);
      const label = `${shape} ${action}: ${JSON.stringify(states)}`;
      expect(
        Object.keys(states).filter((state) => !allowed.includes(state)),
        label,
      ).toEqual([]);
      expect(sum(states), label).toBe(PAIRS_BY_SHAPE[shape]?.[action]);
    };

    // Notifications and findings are never refused: every pair is done (a notification grouped
    // with its incident's earlier one reports already-done).
    const notify = statesOf("notify");
    expect((notify.done ?? 0) + (notify["already-done"] ?? 0), JSON.stringify(notify)).toBe(
      EXPECTED_PAIRS.notify,
    );
    expect(statesOf("export-finding")).toEqual({ done: EXPECTED_PAIRS["export-finding"] });

    // Taints: 3 per 10 minutes, the tainter never restarted, 13 distinct nodes in the storm (the
    // first three by alert 55): exactly 3 tainted; every other pair already-done or refused.
    expect(row("taint-node").states.done).toBe(3);
    expect(doubled.taintedNodes).toBe(3);
    endsIn("host-critical", "taint-node", ["done", "already-done", "refused"]);

    // Kills: what neither the policy nor the target allows, exactly; the rest under the limit.
    endsIn("kill-forbidden", "kill-pod", ["failed"]); // 403 on every read: fails for good, 20 pairs
    endsIn("kill-protected", "kill-pod", ["refused"]); // kube-system: 22 pairs
    endsIn("kill-replaced-pod", "kill-pod", ["stale", "already-done"]); // never a newer pod of the name
    endsIn("drill", "kill-pod", ["dry-run", "already-done"]); // trial playbook: nothing for real
    endsIn("drill", "isolate-pod", ["dry-run", "stale"]);
    // The outage namespace's reads fail 30 times; the kills aimed there outlast it.
    endsIn("kill-during-outage", "kill-pod", ["done", "already-done", "refused"]);
    for (const shape of ["kill-by-name", "kill-by-container-id", "shell-critical"]) {
      endsIn(shape, "kill-pod", ["done", "already-done", "refused", "stale"]);
    }
    for (const shape of ["shell-notice", "api-contact", "shell-critical"]) {
      endsIn(shape, "isolate-pod", ["done", "already-done", "refused", "stale"]);
    }
    expect(byShape.informational).toBeUndefined();

    // Blast radius: 20 kills and 20 isolations per cluster in any 60 s (a sliding window, counted in
    // the ledger across both instances: each service was SIGKILLed once). A slot is taken right before
    // the change is sent, and the change lands within one handler deadline of it, so any 21 first
    // changes the cluster saw span at least 60 s − that. (Outcomes are not the clock: a redelivery may
    // report the done of an earlier delivery's change long after its slot.)
    // A pod deleted (or labelled) by a call whose handler then timed out reports already-done on the
    // redelivery: so done ≤ objects changed ≤ done + already-done. The storm reaches the limit: at
    // least 20 objects were granted a slot (the ledger's holders). Nothing changes without a slot, and
    // a slot whose change did not land is one an execute kept after finding the pod stale, the work
    // already done, or the call failed (CI: 19 isolations changed, one slot kept by such a race).
    const slotToChangeMs = DEFAULT_PUSH_OPTIONS.handlerTimeoutMs + DEFAULT_PUSH_OPTIONS.commitGraceMs;
    for (const [action, service, changed, changedAtMs] of [
      ["kill-pod", "pod-killer", doubled.deletedPods, doubled.firstChangeAtMs.deletes],
      ["isolate-pod", "isolator", doubled.labelledPods, doubled.firstChangeAtMs.labels],
    ] as const) {
      const { done, "already-done": alreadyDone, stale, failed } = row(action).states;
      const granted = report.slotsGranted[action] ?? 0;
      expect(granted, `${action}: objects granted a slot`).toBeGreaterThanOrEqual(20);
      expect(changed, action).toBeLessThanOrEqual(granted);
      expect(granted - changed, action).toBeLessThanOrEqual(stale + failed + alreadyDone);
      expect(changed, action).toBeGreaterThanOrEqual(done);
      expect(changed, action).toBeLessThanOrEqual(done + alreadyDone);
      expect(changedAtMs, action).toHaveLength(changed);
      for (let i = 0; i + 20 < changedAtMs.length; i += 1) {
        const span = (changedAtMs[i + 20] ?? 0) - (changedAtMs[i] ?? 0);
        expect(span, `${action}: 21 objects changed within ${span} ms`).toBeGreaterThanOrEqual(
          60_000 - slotToChangeMs,
        );
      }
      // Both instances acted: the one SIGKILLed and the one that replaced it.
      const killedAtMs = report.events.find((event) =>
        event.description.startsWith(`SIGKILL ${service},`),
      )?.atMs;
      expect(killedAtMs, `${service} was SIGKILLed`).toBeDefined();
      const times = report.doneAtMs[action] ?? [];
      expect(times, action).toHaveLength(done);
      expect(
        times.filter((at) => at < (killedAtMs ?? 0)).length,
        `${action}: the first instance acted`,
      ).toBeGreaterThan(0);
      // The successor answered commands. Not necessarily with a done: when the first instance took
      // all 20 slots before its SIGKILL (a fast machine), every later kill within the minute is
      // refused — which is the limit working (CI, 2d914b4: 0 done after the SIGKILL).
      expect(
        (report.answeredAtMs[action] ?? []).filter((at) => at >= (killedAtMs ?? 0)).length,
        `${action}: its successor answered`,
      ).toBeGreaterThan(0);
    }
  });

  it("really went through the chaos: every fault answered what it allows, services killed and back", () => {
    expect(report.events.filter((event) => event.downMs === undefined).length).toBe(DEFAULT_SCHEDULE.length);
    for (const service of ["pod-killer", "router", "notifier", "isolator"]) {
      expect(report.events.map((event) => event.description)).toContainEqual(
        expect.stringMatching(new RegExp(`^${service} back`)),
      );
    }
    expect(report.restartFailures).toEqual([]);
    const answered = Object.fromEntries(
      report.clusterFaults.map((fault) => [fault.description, `${fault.answered}/${fault.times}`]),
    );
    // Exactly as many requests as each fault was to answer, where the storm makes such requests
    // after the fault is injected: the outage's 30 reads, 6 deletes, …; one 403 per forbidden kill.
    expect(answered).toMatchObject({
      "cluster: 503 on get pods in chaos-outage ×30": "30/30",
      "cluster: 500 on delete pods ×6": "6/6",
      "cluster: 500 on patch nodes ×3": "3/3", // the first taints, retried until done
      "cluster: 429 on get pods ×6": "6/6",
      "cluster: 1500 ms latency on get pods ×4": "4/4",
    });
    expect(report.scc.injectedFailures).toBe(25);
    expect(report.webhookAnswers["slack 429"]).toBe(5);
    expect(report.webhookAnswers["soar 503"]).toBe(6);
    expect((report.webhookAnswers["slack 500"] ?? 0) + (report.webhookAnswers["slack 502"] ?? 0)).toBe(13);
  });
});
