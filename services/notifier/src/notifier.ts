// The notifier: announces Notify commands (announce.ts), follows up on action outcomes (follow-up.ts)
// and summarises what storm control held back (storm-summary.ts), over injected destinations,
// deliverer and publisher. Outcomes may arrive before the command: they are remembered per incident
// (incidents.ts) and listed in the announcement. Each destination's messages are written by its format.
import type { ActionOutcome, NotifyCommand } from "@riposte/falco-event";
import { errorMessage, type PushContext, withTimeout } from "@riposte/service-kit";
import { announce, announceTo } from "./announce.js";
import { DeliveryLedger } from "./delivery-ledger.js";
import { followUp } from "./follow-up.js";
import { IncidentMemory } from "./incidents.js";
import {
  DEFAULT_NOTIFIER_SETTINGS,
  type DestinationStatus,
  type NotifierOptions,
  type NotifierSettings,
  type NotifierState,
} from "./notifier-state.js";
import { StormControl } from "./storm.js";
import { type StormContext, sendStormSummary } from "./storm-summary.js";

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
  /** Destinations that got (or held back) the incident's announcement on this instance. */
  incidentDestinations(incident: string): string[];
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
  /** Sends the summaries of every open storm window now and waits for them (shutdown). */
  flush(budgetMs?: number): Promise<void>;
  /** Stops timers without sending anything (tests). */
  dispose(): void;
}

export function createNotifier(options: NotifierOptions): Notifier {
  const settings: NotifierSettings = { ...DEFAULT_NOTIFIER_SETTINGS, ...options.settings };
  const now = options.now ?? Date.now;
  const memory = { ttlMs: settings.memoryTtlMs, now };
  const pendingSummaries = new Set<Promise<void>>();
  const storm = new StormControl<StormContext>({
    windowMs: settings.stormWindowMs,
    now,
    onSummary: (window) => {
      const sending = sendStormSummary(state, window).finally(() => pendingSummaries.delete(sending));
      pendingSummaries.add(sending);
    },
  });
  const state: NotifierState = {
    ...options,
    settings,
    now,
    incidents: new IncidentMemory({ ...memory, maxEntries: settings.maxIncidents }),
    ledger: new DeliveryLedger({ ...memory, maxEntries: settings.maxIncidents * 8 }),
    storm,
  };

  return {
    announce: (command, context) => announce(state, command, context),
    followUp: (outcome, context) => followUp(state, outcome, context),
    incidentDestinations: (incident) => state.incidents.destinationsOf(incident),
    async announceWhereHeldBack(incident, destinationName, context, deadlineAt) {
      const record = state.incidents.get(incident);
      const destination = state.destinations.byName(destinationName);
      if (!record?.command || !destination || !record.heldBackAt.has(destinationName)) return undefined;
      return announceTo(state, destination, record.command, record, context, deadlineAt, true);
    },
    async flush(budgetMs = settings.summaryBudgetMs) {
      storm.flush();
      const sending = [...pendingSummaries];
      await withTimeout(() => Promise.allSettled(sending), {
        what: "sending the storm summaries",
        timeoutMs: budgetMs,
      }).catch((error: unknown) => {
        // Shutdown goes on: what was not sent in time is lost (nothing stands behind a summary).
        options.logger.warn(
          { err: errorMessage(error) },
          `storm summaries not all sent: ${errorMessage(error)}`,
        );
      });
    },
    dispose() {
      storm.dispose();
    },
  };
}
