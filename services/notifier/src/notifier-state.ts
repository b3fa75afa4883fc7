// What the notifier's parts (announce.ts, follow-up.ts, storm-summary.ts) share: its settings, its
// collaborators, the ledger (what every instance must know) and its per-instance memory (what only
// spares a ledger read, or lets concurrent pushes of this instance wait for each other).
import type { Ledger } from "@riposte/ledger";
import type { Logger, Publisher } from "@riposte/service-kit";
import type { Deliverer } from "./delivery.js";
import type { DeliveryLedger } from "./delivery-ledger.js";
import type { DestinationSet } from "./destinations.js";
import type { IncidentMemory } from "./incidents.js";
import type { LinkSettings } from "./links.js";
import type { StormContext } from "./storm-summary.js";
import type { StormWindows } from "./storm-windows.js";

export interface NotifierSettings {
  /** Similar events within this window are collapsed into one message and a summary; 0 = off. */
  stormWindowMs: number;
  /** How long a follow-up waits for the announcement of its incident (in progress here or elsewhere). */
  outcomeGraceMs: number;
  /** How long this instance keeps an incident's command and outcomes in memory (the ledger keeps the rest). */
  memoryTtlMs: number;
  /** Incidents kept in this instance's memory at most (oldest forgotten first). */
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
  /** Delivery memory and storm windows, shared by every instance. */
  ledger: Ledger;
  /** Time a push handler may spend before answering (below the push deadline). */
  handlerBudgetMs: number;
  settings?: Partial<NotifierSettings>;
  now?: () => number;
}

export interface NotifierState extends Omit<NotifierOptions, "settings" | "now"> {
  settings: NotifierSettings;
  now: () => number;
  incidents: IncidentMemory;
  deliveries: DeliveryLedger;
  storm: StormWindows<StormContext>;
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
