// runChaos: the whole chaos run, shared by the 1,000-alert test in `npm test` and the 10,000-alert
// `npm run test:chaos`. Every service runs as a real process behind real push subscriptions on the
// emulator, against the simulated cluster and the Slack/SOAR and SCC stand-ins; a storm of alerts is
// published while the schedule injects faults and SIGKILLs services; once the pipeline is quiet, every
// expected (incident, action) pair is accounted for (its command published, its outcome, its dead
// letters) and the cluster's request log is searched for destructive actions that happened twice.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ACTION_KINDS,
  ActionOutcome,
  actionNameOf,
  type CommandKind,
  parseFalcoAlert,
  parseMessage,
  Topics,
} from "@riposte/contracts";
import { type SimCluster, startSim } from "@riposte/k8s-sim";
import {
  type SccStandin,
  startSccStandin,
  startWebhookReceiver,
  type WebhookReceiver,
} from "@riposte/standins";
import { emulatorRedelivery, type Pipeline, startPipeline } from "../e2e/harness.js";
import { type CollectedMessage, type Collector, startCollector } from "./collector.js";
import {
  accountPairs,
  type DoubledActions,
  doubledPerAction,
  findDoubledActions,
  type Ledger,
  type ObservedDeadLetter,
  type ObservedOutcome,
  type PairKey,
} from "./ledger.js";
import { buildScenario } from "./scenario.js";
import {
  type ChaosEvent,
  DEFAULT_SCHEDULE,
  describeEvent,
  eventsByAlertIndex,
  FOREVER,
  type ScheduledEvent,
  STANDING_FAULTS,
} from "./schedule.js";
import { grantedSlots } from "./slots.js";
import { formatLedgerTable } from "./table.js";
import { DEAD_LETTER_BUDGET } from "./verdict.js";

export interface ChaosOptions {
  emulatorHost: string;
  /** The ledger's Firestore emulator; inside vitest, the run's (by default). */
  firestoreEmulatorHost?: string;
  /** Alerts to publish (default 1,000). */
  alerts?: number;
  /** Alerts published per second (default 25). */
  ratePerSecond?: number;
  seed?: number;
  schedule?: readonly ScheduledEvent[];
  /** Once every pair is accounted for, wait this long without any new message (default 5 s). */
  settleMs?: number;
  /** Give up when nothing new arrives for this long (default 90 s: longer than Pub/Sub's 30 s backoff). */
  idleMs?: number;
  /** Give up after this long in total (default: 10 minutes plus a minute per 1,000 alerts). */
  deadlineMs?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Print every service log line (debugging). */
  verbose?: boolean;
  /** The services' LOG_LEVEL (default warn: info logs of thousands of messages cost CPU). */
  logLevel?: string;
}

export interface AppliedEvent {
  /** Milliseconds since the first alert was published. */
  atMs: number;
  alertIndex: number;
  description: string;
  /** For a service back after a SIGKILL: how long until it answered again. */
  downMs?: number;
}

export type QuiescenceReason = "all-accounted" | "idle" | "deadline";

/** One fault injected into the simulated cluster, and how many requests it answered. */
export interface ClusterFaultAnswers {
  description: string;
  /** How many matching requests it was to answer. */
  times: number;
  answered: number;
}

export interface ChaosReport {
  alertsSent: number;
  incidents: number;
  shapes: Record<string, number>;
  /** Terminal states per alert shape and action, e.g. byShape["kill-forbidden"]["kill-pod"].failed. */
  byShape: Record<string, Record<string, Record<string, number>>>;
  ledger: Ledger;
  doubled: DoubledActions;
  /** Per action, the distinct objects the blast-radius limits granted a slot to (the ledger's holders). */
  slotsGranted: Record<string, number>;
  /** Outcome messages the follow-up subscriptions (notifier, scc-exporter) dead-lettered. */
  followUpDeadLetters: number;
  /** Records on the quarantine topic (valid alerts should produce none). */
  quarantined: string[];
  /** Outcome messages that did not validate against the ActionOutcome schema. */
  invalidOutcomes: string[];
  events: AppliedEvent[];
  /** Per action, when each `done` outcome says it acted (its `at`), in ms since the first alert. */
  doneAtMs: Record<string, number[]>;
  /** Per action, when each outcome of any result was reached (its `at`), in ms since the first alert. */
  answeredAtMs: Record<string, number[]>;
  /** Service restarts that failed (the run continues without the service). */
  restartFailures: string[];
  webhookAnswers: Record<string, number>;
  scc: { calls: number; injectedFailures: number };
  clusterRequests: number;
  /** Cluster API requests a fault answered (error, latency or dropped connection). */
  clusterFaultAnswers: number;
  /** Per injected fault (standing ones first, then in schedule order). */
  clusterFaults: ClusterFaultAnswers[];
  quiescence: QuiescenceReason;
  /** The last log lines of each service (JSON), to tell what went wrong. */
  logTail: Record<string, string[]>;
  timings: { setupMs: number; publishMs: number; drainMs: number; totalMs: number };
}

const SERVICES = ["router", "pod-killer", "isolator", "tainter", "notifier", "scc-exporter"];
const SLACK_PATH = "/services/T0CHAOS/B0CHAOS/chaos";
const SOAR_PATH = "/soar/chaos";
const FOLLOW_UP_SUBSCRIPTION = /-action-outcomes$/;
/** The topics the router publishes commands to: what was published, per pair, for the ledger. */
const COMMAND_TOPICS: ReadonlySet<string> = new Set(Object.values(ACTION_KINDS).map((kind) => kind.topic));

/** The `at` of each `done` outcome, per action, in ms since `since`, in order. */
function outcomeTimes(
  outcomes: readonly ObservedOutcome[],
  since: number,
  only?: ObservedOutcome["result"],
): Record<string, number[]> {
  const times: Record<string, number[]> = {};
  for (const outcome of outcomes) {
    if (only !== undefined && outcome.result !== only) continue;
    const list = times[outcome.action] ?? [];
    times[outcome.action] = list;
    list.push(Date.parse(outcome.at) - since);
  }
  for (const list of Object.values(times)) list.sort((a, b) => a - b);
  return times;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const alertCount = options.alerts ?? 1_000;
  const rate = options.ratePerSecond ?? 25;
  const log = options.log ?? (() => undefined);
  const scenario = buildScenario({
    alerts: alertCount,
    seed: options.seed ?? 20_261_123,
    // An hour ago: SCC refuses event times in the future.
    startTimeMs: Date.now() - 3_600_000,
  });
  const expectedKeys = new Set(scenario.expected.map((pair) => `${pair.incident}|${pair.action}`));
  const actionsOf = new Map<string, string[]>();
  for (const pair of scenario.expected) {
    actionsOf.set(pair.incident, [...(actionsOf.get(pair.incident) ?? []), pair.action]);
  }

  const workDir = mkdtempSync(join(tmpdir(), "riposte-chaos-"));
  const playbooksFile = join(workDir, "playbooks.yaml");
  writeFileSync(playbooksFile, scenario.playbooksYaml);

  let sim: SimCluster | undefined;
  let scc: SccStandin | undefined;
  let webhooks: WebhookReceiver | undefined;
  let pipeline: Pipeline | undefined;
  let collector: Collector | undefined;
  try {
    sim = await startSim({
      seed: scenario.clusterSeed,
      // Every request of the run must stay in the log for the doubled-action checks.
      requestLogSize: Math.max(20_000, alertCount * 10),
    });
    scc = await startSccStandin();
    webhooks = await startWebhookReceiver();
    const source = scc.seedSource({ organization: "123456789", displayName: "Riposte chaos" });
    pipeline = await startPipeline({
      emulatorHost: options.emulatorHost,
      ...(options.firestoreEmulatorHost ? { firestoreEmulatorHost: options.firestoreEmulatorHost } : {}),
      services: SERVICES,
      local: {
        kubernetesUrl: sim.url,
        slackWebhookUrl: webhooks.url(SLACK_PATH),
        webhookUrl: webhooks.url(SOAR_PATH),
        sccEndpoint: scc.address,
        sccSourceName: source.name,
      },
      commonEnv: { LOG_LEVEL: options.logLevel ?? "warn" },
      env: {
        router: { PLAYBOOKS_FILE: playbooksFile },
        notifier: {
          // Slack's 1 message/s per webhook would make 1,000 announcements take 17 minutes; the
          // stand-in has no such limit, and 429s are scripted instead.
          DESTINATION_MIN_INTERVAL_MS: "0",
          // The emulator pushes at most two messages at a time per subscription: a follow-up waiting
          // 5 s for its announcement would hold a third of the outcome stream.
          OUTCOME_GRACE_MS: "200",
        },
      },
      // Many pushes fail at once here: the emulator's retry policy would wedge (see the harness).
      adjustTopology: emulatorRedelivery,
      maxLogLines: 2_000,
      ...(options.verbose ? { verbose: true } : {}),
    });
    const running = pipeline;

    // ---- collect every terminal message
    const outcomes: ObservedOutcome[] = [];
    const deadLetters: ObservedDeadLetter[] = [];
    const invalidOutcomes: string[] = [];
    const quarantined: string[] = [];
    const commands: PairKey[] = [];
    const accounted = new Set<string>();
    let followUpDeadLetters = 0;
    const account = (incident: string, action: string) => {
      const key = `${incident}|${action}`;
      if (expectedKeys.has(key)) accounted.add(key);
    };
    const onMessage = (message: CollectedMessage) => {
      if (message.topic === Topics.actionOutcomes) {
        const parsed = parseMessage(ActionOutcome, message.data);
        if (!parsed.ok) {
          invalidOutcomes.push(`${message.id}: ${parsed.error.path}: ${parsed.error.message}`);
          return;
        }
        const { incident, action, result, service, at } = parsed.value;
        outcomes.push({ incident, action, result, service, at, messageId: message.id });
        account(incident, action);
        return;
      }
      if (COMMAND_TOPICS.has(message.topic)) {
        const { incident, action } = message.attributes;
        if (incident && action) commands.push({ incident, action });
        else
          invalidOutcomes.push(`command ${message.id} on ${message.topic} has no incident/action attributes`);
        return;
      }
      if (message.topic === Topics.quarantine) {
        quarantined.push(message.data.toString("utf8").slice(0, 500));
        return;
      }
      const subscription = message.attributes.CloudPubSubDeadLetterSourceSubscription ?? message.topic;
      if (FOLLOW_UP_SUBSCRIPTION.test(subscription)) {
        followUpDeadLetters += 1;
        return;
      }
      const letter = deadLetterOf(subscription, message);
      if (!letter) {
        invalidOutcomes.push(`dead letter ${message.id} on ${message.topic} names no incident`);
        return;
      }
      deadLetters.push(letter);
      for (const action of letter.action === undefined
        ? (actionsOf.get(letter.incident) ?? [])
        : [letter.action]) {
        account(letter.incident, action);
      }
    };
    const [topicNames] = await running.pubsub.getTopics();
    const deadLetterTopics = topicNames
      .map((topic) => topic.name.split("/").at(-1) ?? "")
      .filter((name) => name.endsWith("-dead-letter"));
    collector = await startCollector(
      running.pubsub,
      [Topics.actionOutcomes, Topics.quarantine, ...COMMAND_TOPICS, ...deadLetterTopics],
      onMessage,
    );
    const injected: { id: string; description: string; times: number }[] = [];
    const injectClusterFault = (event: Extract<ChaosEvent, { kind: "cluster-fault" }>) => {
      const active = (sim as SimCluster).faults.inject(event.fault);
      injected.push({ id: active.id, description: describeEvent(event), times: event.fault.times });
    };
    for (const fault of STANDING_FAULTS) injectClusterFault({ kind: "cluster-fault", fault });

    // The stand-ins keep every request; counted and forgotten as the run goes, so 10,000 alerts fit.
    const webhookAnswers: Record<string, number> = {};
    const drainWebhookLog = () => {
      const receiver = webhooks as WebhookReceiver;
      for (const request of receiver.requests) {
        const key = `${request.path === SLACK_PATH ? "slack" : "soar"} ${request.response.status}`;
        webhookAnswers[key] = (webhookAnswers[key] ?? 0) + 1;
      }
      receiver.clear();
    };
    const setupMs = Date.now() - started;
    log(
      `chaos: ${alertCount} alerts (${new Set(scenario.alerts.map((a) => a.incident)).size} incidents, ` +
        `${scenario.expected.length} expected pairs), ${scenario.podCount} pods; setup ${setupMs} ms`,
    );

    // ---- the storm, with the chaos schedule
    const events: AppliedEvent[] = [];
    const restartFailures: string[] = [];
    const restarts: Promise<void>[] = [];
    const due = eventsByAlertIndex(alertCount, options.schedule ?? DEFAULT_SCHEDULE);
    const publishStarted = Date.now();
    const apply = (event: ChaosEvent, alertIndex: number) => {
      events.push({ atMs: Date.now() - publishStarted, alertIndex, description: describeEvent(event) });
      switch (event.kind) {
        case "cluster-fault":
          injectClusterFault(event);
          return;
        case "webhook":
          webhooks?.script({
            path: event.destination === "slack" ? SLACK_PATH : SOAR_PATH,
            responses: event.responses,
          });
          return;
        case "scc-fault":
          scc?.faults.inject(event.fault);
          return;
        case "sigkill":
          restarts.push(
            (async () => {
              const killedAt = Date.now();
              const port = running.ports[event.service];
              await running.kill(event.service, "SIGKILL");
              await sleep(event.downMs);
              await running.restart(event.service);
              const moved =
                running.ports[event.service] === port
                  ? ""
                  : ` on port ${running.ports[event.service]}: another process took ${port}`;
              events.push({
                atMs: Date.now() - publishStarted,
                alertIndex,
                description: `${event.service} back after the SIGKILL${moved}`,
                downMs: Date.now() - killedAt,
              });
            })().catch((error: unknown) => {
              restartFailures.push(`${event.service}: ${(error as Error).message}`);
            }),
          );
          return;
      }
    };
    const tickMs = 100;
    const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
    const publishing: Promise<string>[] = [];
    for (let index = 0; index < alertCount; index += perTick) {
      const tickStart = Date.now();
      for (let i = index; i < Math.min(alertCount, index + perTick); i++) {
        for (const event of due.get(i) ?? []) apply(event, i);
        publishing.push(running.sendAlert((scenario.alerts[i] as { json: string }).json));
      }
      if (index % (perTick * 50) === 0) {
        drainWebhookLog();
        log(progressLine(index, alertCount, accounted.size, expectedKeys.size, collector, publishStarted));
      }
      await sleep(Math.max(0, tickMs - (Date.now() - tickStart)));
    }
    await Promise.all(publishing);
    const publishMs = Date.now() - publishStarted;

    // ---- quiescence
    const settleMs = options.settleMs ?? 5_000;
    const idleMs = options.idleMs ?? 90_000;
    const deadline = started + (options.deadlineMs ?? 600_000 + alertCount * 60);
    const drainStarted = Date.now();
    let quiescence: QuiescenceReason;
    let lastProgress = 0;
    for (;;) {
      await sleep(250);
      await Promise.all(restarts);
      const now = Date.now();
      const quietFor = now - collector.lastArrivalAt;
      if (accounted.size === expectedKeys.size && quietFor >= settleMs) {
        quiescence = "all-accounted";
        break;
      }
      if (quietFor >= idleMs) {
        quiescence = "idle";
        break;
      }
      if (now >= deadline) {
        quiescence = "deadline";
        break;
      }
      if (now - lastProgress >= 10_000) {
        lastProgress = now;
        drainWebhookLog();
        log(
          progressLine(alertCount, alertCount, accounted.size, expectedKeys.size, collector, publishStarted),
        );
      }
    }
    drainWebhookLog();
    const drainMs = Date.now() - drainStarted;

    // ---- account
    const ledger = accountPairs(scenario.expected, outcomes, deadLetters, {
      actionOrder: ["kill-pod", "isolate-pod", "taint-node", "notify", "export-finding"],
      incidents: new Set(scenario.alerts.map((alert) => alert.incident)),
      commands,
    });
    const requests = sim.requests;
    const doubled = findDoubledActions(requests, sim.list({ kind: "Node" }));
    const perAction = doubledPerAction(doubled);
    ledger.total.doubled = 0;
    for (const row of ledger.rows) {
      row.doubled = perAction[row.action as keyof typeof perAction];
      ledger.total.doubled += row.doubled ?? 0;
    }
    const shapeOf = new Map<string, string>();
    for (const alert of scenario.alerts)
      if (alert.shape !== "resend") shapeOf.set(alert.incident, alert.shape);
    const byShape: ChaosReport["byShape"] = {};
    for (const pair of ledger.pairs) {
      const shape = shapeOf.get(pair.incident) ?? "unknown";
      const actions = byShape[shape] ?? {};
      byShape[shape] = actions;
      const states = actions[pair.action] ?? {};
      actions[pair.action] = states;
      const state = pair.state ?? "unaccounted";
      states[state] = (states[state] ?? 0) + 1;
    }
    return {
      alertsSent: alertCount,
      incidents: new Set(scenario.alerts.map((alert) => alert.incident)).size,
      shapes: scenario.shapes,
      byShape,
      ledger,
      doubled,
      slotsGranted: await grantedSlots(running),
      followUpDeadLetters,
      quarantined,
      invalidOutcomes,
      events,
      doneAtMs: outcomeTimes(outcomes, publishStarted, "done"),
      answeredAtMs: outcomeTimes(outcomes, publishStarted),
      restartFailures,
      webhookAnswers,
      scc: {
        calls: scc.calls.length,
        injectedFailures: scc.calls.filter((call) => call.injected).length,
      },
      clusterRequests: requests.length,
      clusterFaultAnswers: requests.filter((request) => request.faultId !== undefined).length,
      clusterFaults: injected.map(({ id, description, times }) => ({
        description,
        times,
        answered: requests.filter((request) => request.faultId === id).length,
      })),
      quiescence,
      logTail: Object.fromEntries(
        Object.entries(running.logs).map(([service, lines]) => [service, lines.slice(-40)]),
      ),
      timings: { setupMs, publishMs, drainMs, totalMs: Date.now() - started },
    };
  } finally {
    await collector?.close().catch(() => undefined);
    await pipeline?.stop();
    await Promise.allSettled([sim?.stop(), scc?.close(), webhooks?.close()]);
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** What a dead-lettered message stands for: an alert (all its actions) or one command. */
function deadLetterOf(subscription: string, message: CollectedMessage): ObservedDeadLetter | undefined {
  if (subscription === "router") {
    const parsed = parseFalcoAlert(message.data);
    return parsed.ok
      ? { subscription, incident: parsed.alert.incidentKey, messageId: message.id }
      : undefined;
  }
  let incident = message.attributes.incident;
  let action = message.attributes.action;
  if (!incident || !action) {
    try {
      const command = JSON.parse(message.data.toString("utf8")) as { incident?: string; kind?: CommandKind };
      incident ??= command.incident;
      action ??= command.kind ? actionNameOf(command.kind) : undefined;
    } catch {
      return undefined;
    }
  }
  return incident && action ? { subscription, incident, action, messageId: message.id } : undefined;
}

function progressLine(
  sent: number,
  total: number,
  accounted: number,
  expected: number,
  collector: Collector,
  since: number,
): string {
  const counts = [...collector.counts]
    .filter(([, count]) => count > 0)
    .map(([topic, count]) => `${topic} ${count}`);
  return `chaos +${Math.round((Date.now() - since) / 1000)} s: sent ${sent}/${total}, accounted ${accounted}/${expected} pairs; ${counts.join(", ")}`;
}

/** The table plus what a reader needs to trust it: what was thrown at the pipeline, and how it ended. */
export function formatChaosReport(report: ChaosReport): string {
  const { ledger, doubled, timings } = report;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `Chaos run: ${report.alertsSent} alerts, ${report.incidents} incidents, ${ledger.total.expected} (incident, action) pairs; ended: ${report.quiescence}`,
    "",
    formatLedgerTable(ledger),
    "(one row per (incident, action) pair, in exactly one of done … dead-lettered or unaccounted; doubled: pod deletes",
    " and taints that happened twice, - where nothing is destroyed; redelivered: pairs reported more than once;",
    " changed: whose repeated reports differ beyond done → already-done; also-DLQ'd: with an outcome and a dead letter;",
    " in a DLQ: every pair a dead-letter queue holds, outcome or not (dead-lettered + also-DLQ'd), which fails the run",
    ` above ${DEAD_LETTER_BUDGET * 100} % of an action's pairs; published: pairs whose command was seen on its topic)`,
    "",
    `doubled: pods deleted twice ${Object.keys(doubled.podsDeletedTwice).length} (of ${doubled.deletedPods} deleted), ` +
      `nodes tainted twice ${Object.keys(doubled.nodesTaintedTwice).length} / taint patches twice ${Object.keys(doubled.nodesPatchedTwice).length} (of ${doubled.taintedNodes} tainted), ` +
      `pods labelled twice ${Object.keys(doubled.podsLabelledTwice).length} (of ${doubled.labelledPods}; not destructive); request log complete: ${doubled.requestLogComplete}`,
    `blast-radius slots granted (objects): ${
      Object.entries(report.slotsGranted)
        .sort()
        .map(([action, count]) => `${action} ${count}`)
        .join(", ") || "none"
    }`,
    `unexpected outcomes ${ledger.unexpectedOutcomes.length}, unexpected dead letters ${ledger.unexpectedDeadLetters.length}, ` +
      `invalid outcomes ${report.invalidOutcomes.length}, quarantined ${report.quarantined.length}, follow-ups dead-lettered ${report.followUpDeadLetters}`,
    `chaos applied (${report.events.length}):`,
    ...summarizeEvents(report.events),
    `restart failures: ${report.restartFailures.length === 0 ? "none" : report.restartFailures.join("; ")}`,
    `webhook answers: ${Object.entries(report.webhookAnswers)
      .sort()
      .map(([key, count]) => `${key}: ${count}`)
      .join(", ")}`,
    `SCC calls ${report.scc.calls} (${report.scc.injectedFailures} injected failures); cluster API requests ${report.clusterRequests} (${report.clusterFaultAnswers} answered by a fault)`,
    "cluster faults (answered / to answer):",
    ...summarizeFaults(report.clusterFaults),
    "by alert shape (alerts sent): action state count, …",
    ...Object.entries(report.shapes)
      .sort(([, a], [, b]) => b - a)
      .map(([shape, count]) => {
        const actions = Object.entries(report.byShape[shape] ?? {}).map(
          ([action, states]) =>
            `${action} ${Object.entries(states)
              .map(([state, n]) => `${state} ${n}`)
              .join(" ")}`,
        );
        return `  ${shape} (${count}): ${actions.length > 0 ? actions.join("; ") : "no action"}`;
      }),
    `time: setup ${seconds(timings.setupMs)}, publishing ${seconds(timings.publishMs)}, draining ${seconds(timings.drainMs)}, total ${seconds(timings.totalMs)}`,
  ];
  return lines.join("\n");
}

/** One line per distinct cluster fault, with the requests its injections answered. */
function summarizeFaults(faults: readonly ClusterFaultAnswers[]): string[] {
  const byDescription = new Map<string, { answered: number; times: number }>();
  for (const fault of faults) {
    const sum = byDescription.get(fault.description) ?? { answered: 0, times: 0 };
    byDescription.set(fault.description, {
      answered: sum.answered + fault.answered,
      times: sum.times + fault.times,
    });
  }
  return [...byDescription].map(
    ([description, { answered, times }]) =>
      `  ${description}: ${answered} / ${times >= FOREVER ? "∞" : times}`,
  );
}

/** One line per distinct event, with how often and when (the schedule repeats per cycle). */
function summarizeEvents(events: readonly AppliedEvent[]): string[] {
  const byDescription = new Map<string, AppliedEvent[]>();
  for (const event of events) {
    byDescription.set(event.description, [...(byDescription.get(event.description) ?? []), event]);
  }
  return [...byDescription].map(([description, occurrences]) => {
    const at = occurrences.map((event) => `${(event.atMs / 1000).toFixed(1)} s`);
    const when = at.length > 4 ? `${at.slice(0, 3).join(", ")} … (${at.length}×)` : at.join(", ");
    const down = occurrences.flatMap((event) => (event.downMs === undefined ? [] : [event.downMs]));
    const downtime =
      down.length > 0
        ? ` (down ${(Math.min(...down) / 1000).toFixed(1)}–${(Math.max(...down) / 1000).toFixed(1)} s)`
        : "";
    return `  ${description} at ${when}${downtime}`;
  });
}
