// The incident ledger's own cost per alert, measured directly against the run's Firestore emulator
// with the same client and the same calls the services make, so that it can be reported as its own
// line beside the latency and storm ratios (the services cannot run without the ledger: they fail
// closed, so "with vs without" is not a run they allow).
//
// Per alert, in the order the pipeline makes them: the router's claim (before it publishes: on the
// measured path alert → first Kubernetes call), its mark-routed (after publishing: off that path, but
// router time per alert), and the pod-killer's blast-radius slot take (after its plan's GET of the pod:
// on the path to the kill, not to the first call), with the pod-killer's own limits.

import { parseFalcoAlert, summarizeAlert } from "@riposte/contracts";
import {
  createLedger,
  createLedgerFirestore,
  type Ledger,
  type RoutingDecisionRecord,
} from "@riposte/ledger";
import { alertVariants } from "./alerts.js";
import type { BenchEnvironment } from "./environment.js";
import { type Summary, summarize } from "./stats.js";

/** The pod-killer's limits (services/pod-killer/src/action.ts), as its limiter names them per scope. */
const POD_KILLER_LIMITS = [
  { name: "pod kills per namespace", max: 5 },
  { name: "pod kills per cluster", max: 20 },
] as const;
const WINDOW_MS = 60_000;

/** What the router records for a Critical alert matched by one playbook (three commands). */
const DECISION: RoutingDecisionRecord = {
  playbooks: ["bench-kill-critical"],
  actions: ["kill-pod", "notify", "export-finding"].map((action) => ({
    action,
    dryRun: false,
    playbooks: ["bench-kill-critical"],
  })),
};

export interface SpacedLedgerCost {
  /** The router's claim: on the alert → first Kubernetes call path. */
  claim: Summary;
  markRouted: Summary;
  /** The pod-killer's slot take (granted). */
  slot: Summary;
  /** claim + slot take of the same alert: what the ledger adds before a kill. */
  beforeKill: Summary;
}

export interface LedgerBurst {
  alerts: number;
  inFlight: number;
  /** claim + markRouted per alert, `inFlight` at a time: alerts per second. */
  perSecond: number;
  claim: Summary;
  markRouted: Summary;
}

/** A 32-hex incident key unique to this run, suite and index. */
function keyOf(run: string, index: number): string {
  return `${run}${index.toString(16).padStart(32 - run.length, "0")}`;
}

async function openLedger(environment: BenchEnvironment, projectId: string) {
  const firestore = createLedgerFirestore({ projectId, emulatorHost: environment.firestore.host });
  const ledger = createLedger({ firestore, timeoutMs: 10_000 });
  // The services warm their client at start: the first call sets up the channel (seconds).
  await ledger.warmUp();
  return { ledger, close: () => firestore.terminate() };
}

const variants = alertVariants({ fields: (i) => ({ "k8s.pod.name": `bench-ledger-pod-${i}` }) });

/** The alert summary the router stores with its claim (as large as the real one). */
function alertSummaryOf(index: number) {
  const parsed = parseFalcoAlert(variants.json(index));
  if (!parsed.ok) throw new Error(`the bench alert does not parse: ${parsed.error.message}`);
  return summarizeAlert(parsed.alert);
}

const runId = () => Date.now().toString(16).slice(-8);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function routerCalls(ledger: Ledger, key: string, index: number) {
  const alert = alertSummaryOf(index);
  const claimStarted = performance.now();
  const claim = await ledger.claimIncident(key, DECISION, {
    dedupWindowMs: 300_000,
    claimant: `bench-${index}`,
    alert,
  });
  const claimMs = performance.now() - claimStarted;
  if (claim.outcome !== "claimed") throw new Error(`incident ${key} was not claimed: ${claim.outcome}`);
  const markStarted = performance.now();
  await ledger.markRouted(key, claim.claimId, claim.version);
  return { claimMs, markMs: performance.now() - markStarted };
}

/**
 * One alert every `spacingMs`, as the latency suite sends them (after `warmup` unmeasured ones). Each
 * alert's pod is in a namespace and cluster of its own, so that every slot take is granted (a refused
 * take only reads): the cost of the take that lets a kill happen.
 */
export async function measureSpacedLedgerCost(
  environment: BenchEnvironment,
  options: { projectId: string; alerts: number; spacingMs: number; warmup?: number },
): Promise<SpacedLedgerCost> {
  const { ledger, close } = await openLedger(environment, options.projectId);
  const warmup = options.warmup ?? 5;
  const run = runId();
  const claims: number[] = [];
  const marks: number[] = [];
  const slots: number[] = [];
  const beforeKill: number[] = [];
  try {
    const started = performance.now();
    for (let index = 0; index < warmup + options.alerts; index++) {
      await sleep(index * options.spacingMs - (performance.now() - started));
      const key = keyOf(run, index);
      const { claimMs, markMs } = await routerCalls(ledger, key, index);
      const cluster = `bench-${run}-${index}`;
      const namespace = `jobs-${index}`;
      const slotStarted = performance.now();
      const slot = await ledger.takeObjectSlots({
        limits: POD_KILLER_LIMITS.map(({ name, max }) => ({
          limit: name.endsWith("namespace") ? `${name}|${cluster}|${namespace}` : `${name}|${cluster}`,
          windowMs: WINDOW_MS,
          max,
        })),
        holder: `kill-pod|Pod|${namespace}|bench-ledger-pod-${index}|uid-${index}`,
        incident: key,
        action: "kill-pod",
      });
      const slotMs = performance.now() - slotStarted;
      if (!slot.granted) throw new Error(`slot refused for alert ${index}: ${slot.limit}`);
      if (index < warmup) continue;
      claims.push(claimMs);
      marks.push(markMs);
      slots.push(slotMs);
      beforeKill.push(claimMs + slotMs);
    }
  } finally {
    await close();
  }
  return {
    claim: summarize(claims),
    markRouted: summarize(marks),
    slot: summarize(slots),
    beforeKill: summarize(beforeKill),
  };
}

/** The router's ledger calls (claim, then mark-routed) for `alerts` distinct alerts, `inFlight` at a time. */
export async function measureLedgerBurst(
  environment: BenchEnvironment,
  options: { projectId: string; alerts: number; inFlight: number },
): Promise<LedgerBurst> {
  const { ledger, close } = await openLedger(environment, options.projectId);
  const run = runId();
  const claims: number[] = [];
  const marks: number[] = [];
  try {
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < options.alerts) {
        const index = next++;
        const { claimMs, markMs } = await routerCalls(ledger, keyOf(run, index), index);
        claims.push(claimMs);
        marks.push(markMs);
      }
    };
    await Promise.all(Array.from({ length: options.inFlight }, worker));
    const seconds = (performance.now() - started) / 1000;
    return {
      alerts: options.alerts,
      inFlight: options.inFlight,
      perSecond: options.alerts / seconds,
      claim: summarize(claims),
      markRouted: summarize(marks),
    };
  } finally {
    await close();
  }
}
