// What the notifier remembers per incident on this instance: the command once it came, the outcomes
// seen (they may come first), where the announcement went or was held back, and the follow-ups
// waiting for an announcement in progress.
import type { ActionOutcome, AlertSummary, NotifyCommand, TargetMessage } from "@riposte/contracts";
import { currentTraceIds, type PushContext } from "@riposte/service-kit";
import { ExpiringMap, type ExpiringMapOptions } from "./expiring-map.js";
import { traceIdOfMessage } from "./links.js";

export interface IncidentRecord {
  /** The Notify command, once it arrived: an escalation announces it later to where it was held back. */
  command?: NotifyCommand;
  alert?: AlertSummary;
  target?: TargetMessage;
  traceId?: string;
  /** An announcement has been attempted on this instance (whatever its result). */
  settled: boolean;
  /** Destinations that received the announcement. */
  announcedTo: Set<string>;
  /** Destinations where storm control held the announcement back. */
  heldBackAt: Set<string>;
  /** Outcomes seen for this incident, one per service/action/result. */
  outcomes: ActionOutcome[];
}

const MAX_OUTCOMES_PER_INCIDENT = 20;

/** What an outcome message is about, within its incident (one per service/action/result). */
export function outcomeSubject(outcome: ActionOutcome): string {
  return `outcome:${outcome.service}:${outcome.action}:${outcome.result}`;
}

/** The trace this message belongs to (one incident, one trace), when it is sampled. */
export function traceIdOf(context: PushContext): string | undefined {
  const active = currentTraceIds();
  if (active?.sampled) return active.traceId;
  return traceIdOfMessage(context.attributes);
}

export class IncidentMemory {
  readonly #records: ExpiringMap<string, IncidentRecord>;
  readonly #waiters = new Map<string, Set<() => void>>();

  constructor(options: ExpiringMapOptions) {
    this.#records = new ExpiringMap(options);
  }

  /** The incident's record (a new one when unknown), remembered afresh. */
  record(incident: string): IncidentRecord {
    const record = this.#records.get(incident) ?? {
      settled: false,
      announcedTo: new Set<string>(),
      heldBackAt: new Set<string>(),
      outcomes: [],
    };
    this.#records.set(incident, record);
    return record;
  }

  /** The incident's record when known, without refreshing it. */
  get(incident: string): IncidentRecord | undefined {
    return this.#records.get(incident);
  }

  /** Destinations that got (or held back) the incident's announcement. */
  destinationsOf(incident: string): string[] {
    const record = this.#records.get(incident);
    return record ? reachedBy(record) : [];
  }

  rememberOutcome(record: IncidentRecord, outcome: ActionOutcome): void {
    const subject = outcomeSubject(outcome);
    if (record.outcomes.some((known) => outcomeSubject(known) === subject)) return;
    if (record.outcomes.length < MAX_OUTCOMES_PER_INCIDENT) record.outcomes.push(outcome);
    if (!record.alert && outcome.alert) record.alert = outcome.alert;
    if (!record.target && outcome.target) record.target = outcome.target;
  }

  /** The announcement has been attempted: follow-ups waiting for it go ahead. */
  settle(incident: string, record: IncidentRecord): void {
    record.settled = true;
    for (const done of [...(this.#waiters.get(incident) ?? [])]) done();
  }

  /** Resolves when the incident is settled or after `ms`, whichever comes first. */
  waitForAnnouncement(incident: string, ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(incident) ?? new Set<() => void>();
      this.#waiters.set(incident, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0) this.#waiters.delete(incident);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  }
}

/** Where the announcement went or was held back, each destination once. */
export function reachedBy(record: IncidentRecord): string[] {
  return [...new Set([...record.announcedTo, ...record.heldBackAt])];
}
