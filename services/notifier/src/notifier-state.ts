// What the notifier's parts (announce.ts, follow-up.ts, storm-summary.ts) share: its settings, its
// collaborators and its per-instance memory.
import type { Logger, Publisher } from "@riposte/service-kit";
import type { Deliverer } from "./delivery.js";
import type { DeliveryLedger } from "./delivery-ledger.js";
import type { DestinationSet } from "./destinations.js";
import type { IncidentMemory } from "./incidents.js";
import type { LinkSettings } from "./links.js";
import type { StormControl } from "./storm.js";
import type { StormContext } from "./storm-summary.js";

export interface NotifierSettings {
  /** Similar events within this window are collapsed into one message and a summary; 0 = off. */
  stormWindowMs: number;
  /** How long a follow-up waits for the announcement of its incident to finish on this instance. */
  outcomeGraceMs: number;
  /** How long deliveries and incidents are remembered (redeliveries later than this send again). */
  memoryTtlMs: number;
  /** Incidents remembered at most (oldest forgotten first). */
  maxIncidents: number;
  /** `action:result` pairs that get no follow-up (e.g. a successful SCC export: the link is already there). */
  quietOutcomes: ReadonlySet<string>;
  /** Time a storm summary, sent outside any request, may take. */
  summaryBudgetMs: number;
}

export const DEFAULT_NOTIFIER_SETTINGS: NotifierSettings = {
  // The "N more similar alerts in 5 min".
  stormWindowMs: 5 * 60_000,
  // The router publishes the Notify and the actioners' commands together; an action's outcome
  // usually arrives after the announcement, and a few seconds covers the rest without holding pushes long.
  outcomeGraceMs: 5_000,
  // Pub/Sub redelivers within minutes; a day also covers a dead-letter replay the same day.
  memoryTtlMs: 24 * 60 * 60_000,
  maxIncidents: 10_000,
  quietOutcomes: new Set(["export-finding:done", "export-finding:already-done"]),
  // Shutdown has ~2 s before Cloud Run kills the instance; a timer-driven summary has more.
  summaryBudgetMs: 20_000,
};

/** What happened per destination, as reported in the outcome's details. */
export type DestinationStatus =
  | { status: "delivered"; attempts: number }
  | { status: "already-delivered" }
  | { status: "held-back" }
  | { status: "failed"; reason: string };

export interface NotifierOptions {
  /** This service's name: outcomes it published itself are ignored. */
  service: string;
  destinations: DestinationSet;
  deliverer: Deliverer;
  publisher: Publisher;
  links: LinkSettings;
  logger: Logger;
  /** Time a push handler may spend before answering (below the push deadline). */
  handlerBudgetMs: number;
  settings?: Partial<NotifierSettings>;
  now?: () => number;
}

export interface NotifierState extends Omit<NotifierOptions, "settings" | "now"> {
  settings: NotifierSettings;
  now: () => number;
  incidents: IncidentMemory;
  ledger: DeliveryLedger;
  storm: StormControl<StormContext>;
}

/** Time kept back from the handler budget for publishing the outcome and answering. */
const ANSWER_MARGIN_MS = 1_000;

/** When a push handler starting now must stop sending. */
export function handlerDeadline(state: NotifierState): number {
  return state.now() + state.handlerBudgetMs - ANSWER_MARGIN_MS;
}

export function sentAt(state: NotifierState): string {
  return new Date(state.now()).toISOString();
}
