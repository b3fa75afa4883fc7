// The notifier: announces Notify commands (announce.ts), follows up on action outcomes (follow-up.ts)
// and summarises what storm control held back (storm-summary.ts), over injected destinations,
// deliverer, publisher and ledger (delivery memory and storm windows, shared by every instance).
// Outcomes may arrive before the command: they are remembered per incident (incidents.ts) and listed
// in the announcement. Each destination's messages are written by its format.
import type { ActionOutcome, NotifyCommand } from "@riposte/contracts";
import { errorMessage, type PushContext, withTimeout } from "@riposte/service-kit";
import { announce, announceTo } from "./announce.js";
import { announcedIn } from "./announced.js";
import { DeliveryLedger, ledgerCall } from "./delivery-ledger.js";
import { followUp } from "./follow-up.js";
import { IncidentMemory } from "./incidents.js";
import {
  DEFAULT_NOTIFIER_SETTINGS,
  type DestinationStatus,
  type NotifierOptions,
  type NotifierSettings,
  type NotifierState,
} from "./notifier-state.js";
import { type StormContext, sendPendingSummaries } from "./storm-summary.js";
import { StormWindows } from "./storm-windows.js";

export {
  DEFAULT_NOTIFIER_SETTINGS,
  type DestinationStatus,
  type NotifierOptions,
  type NotifierSettings,
} from "./notifier-state.js";
export { similarityKey } from "./storm-summary.js";

export interface Notifier {
  announce(command: NotifyCommand, context: PushContext): Promise<void>;
  followUp(outcome: ActionOutcome, context: PushContext): Promise<void>;
  /** Destinations that got (or held back) the incident's announcement, on any instance (the ledger). */
  incidentDestinations(incident: string): Promise<string[]>;
  /**
   * Announces the incident in full to `destination` when storm control held it back there (a failed
   * action about to be reported must not name an incident that destination never saw); undefined when
   * it was not held back there. Throws RetryableError when the destination cannot be reached yet.
   */
  announceWhereHeldBack(
    incident: string,
    destination: string,
    context: PushContext,
    deadlineAt: number,
  ): Promise<DestinationStatus | undefined>;
  /**
   * The scheduled call: closes the storm windows whose time is up, whichever instance opened them, and
   * sends every summary waiting in the ledger. Throws RetryableError when the ledger is out of reach.
   */
  closeWindows(): Promise<{ closed: number; sent: number }>;
  /** Closes the windows this instance opened and sends the summaries now, waiting for them (shutdown). */
  flush(budgetMs?: number): Promise<void>;
  /**
   * Stops timers and starts nothing more (tests, and an instance that is gone); resolves when what was
   * under way has finished.
   */
  dispose(): Promise<void>;
}

export function createNotifier(options: NotifierOptions): Notifier {
  const settings: NotifierSettings = { ...DEFAULT_NOTIFIER_SETTINGS, ...options.settings };
  const now = options.now ?? Date.now;
  const memory = { ttlMs: settings.memoryTtlMs, now };
  const pendingSummaries = new Set<Promise<unknown>>();
  const sendSummaries = () => {
    const sending = sendPendingSummaries(state).finally(() => pendingSummaries.delete(sending));
    pendingSummaries.add(sending);
    return sending;
  };
  const state: NotifierState = {
    ...options,
    settings,
    now,
    incidents: new IncidentMemory({ ...memory, maxEntries: settings.maxIncidents }),
    deliveries: new DeliveryLedger(options.ledger, options.logger),
    storm: new StormWindows<StormContext>({
      ledger: options.ledger,
      windowMs: settings.stormWindowMs,
      now,
      onClosed: () => void sendSummaries(),
    }),
  };

  return {
    announce: (command, context) => announce(state, command, context),
    followUp: (outcome, context) => followUp(state, outcome, context),
    incidentDestinations: async (incident) => {
      const known = await announcedIn(state, incident);
      return [...new Set([...known.reached, ...state.incidents.destinationsOf(incident)])];
    },
    async announceWhereHeldBack(incident, destinationName, context, deadlineAt) {
      const destination = state.destinations.byName(destinationName);
      if (!destination) return undefined;
      const record = state.incidents.record(incident);
      const known = await announcedIn(state, incident);
      const heldBack = record.heldBackAt.has(destinationName) || known.heldBack.has(destinationName);
      const command = record.command ?? known.heldBack.get(destinationName);
      if (!heldBack || !command) return undefined;
      return announceTo(state, destination, command, record, context, deadlineAt, true);
    },
    async closeWindows() {
      const closed = await ledgerCall("closing storm windows", () => state.storm.closeDue());
      const sent = await sendSummaries();
      return { closed, sent };
    },
    async flush(budgetMs = settings.summaryBudgetMs) {
      await withTimeout(
        async () => {
          await state.storm.closeOpened();
          await sendSummaries();
          await Promise.allSettled([...pendingSummaries]);
        },
        { what: "sending the storm summaries", timeoutMs: budgetMs },
      ).catch((error: unknown) => {
        // Shutdown goes on: what was not sent stays in the ledger for the next scheduled call.
        options.logger.warn(
          { err: errorMessage(error) },
          `storm summaries not all sent: ${errorMessage(error)}`,
        );
      });
    },
    async dispose() {
      await state.storm.dispose();
      await Promise.allSettled([...pendingSummaries]);
    },
  };
}
