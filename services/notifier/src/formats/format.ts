// One destination type, one format: how each thing the notifier says (an alert, a follow-up, a storm
// summary, a dead letter) becomes the request that type of destination expects, and whether the type
// takes a secret. The notifier only ever calls a destination's own format; index.ts registers them.
import type {
  ActionOutcome,
  AlertSummary,
  AwaitingApproval,
  OutcomeResult,
  Priority,
  TargetMessage,
} from "@riposte/contracts";
import type { DeliveryRequest } from "../delivery.js";
import type { Destination } from "../destinations.js";
import type { MessageLinks } from "../links.js";

interface Notice {
  /**
   * What is reported, the same at every redelivery: with the incident it names one event (webhook
   * receivers deduplicate on it).
   */
  subject: string;
  /** When the notifier sent it (ISO 8601). */
  sentAt: string;
}

/** The announcement of an alert. */
export interface AlertNotice extends Notice {
  incident: string;
  alert: AlertSummary;
  target: TargetMessage;
  playbooks: string[];
  /** Outcomes already known for this incident (they can arrive before the command). */
  outcomes: readonly ActionOutcome[];
  /** The incident's actions held for a person's decision (empty when none): the announcement asks for it. */
  awaitingApproval: readonly AwaitingApproval[];
  links: MessageLinks;
}

/** One action's outcome, for an incident already announced (or being). */
export interface FollowUpNotice extends Notice {
  incident: string;
  outcome: ActionOutcome;
  /** From the outcome, or from what the notifier remembers about the incident. */
  alert?: AlertSummary;
  target?: TargetMessage;
  links: MessageLinks;
}

/** "N more similar alerts in 5 min": what storm control did not send individually. */
export interface StormSummaryNotice extends Notice {
  /** What was collapsed: similar alerts, or similar outcomes of one action. */
  about: "alerts" | "outcomes";
  count: number;
  /** The incident sent in full when the window opened, then those held back (the first 100). */
  firstIncident: string;
  incidents: string[];
  rule: string;
  target?: TargetMessage;
  action?: string;
  result?: OutcomeResult;
  /** The highest priority among the alerts held back. */
  highestPriority?: Priority;
  /** What was done for them: "kill-pod done" → count. */
  actions: Record<string, number>;
  /** The window, in ms since the epoch. */
  startedAt: number;
  endsAt: number;
}

/** A command Pub/Sub gave up on: the action never happened. */
export interface DeadLetterNotice extends Notice {
  incident: string;
  alert: AlertSummary;
  target: TargetMessage;
  /** The playbook action, e.g. "kill-pod". */
  action: string;
  dryRun: boolean;
  /** The subscription that gave up on it, and after how many deliveries (when Pub/Sub said). */
  subscription: string;
  attempts?: number;
  /** The pull subscription where it waits for `riposte dlq`. */
  deadLetterSubscription: string;
  links: MessageLinks;
}

/** What the destinations config accepts as `secret` / `secret_env` for a type. */
export type SecretRule =
  /** None taken (e.g. the URL is the credential): one given is refused, saying why. */
  | { required: false; refusal: string }
  /** Required; `problem` says what is wrong with the one given, if anything. */
  | { required: true; problem(secret: string): string | undefined };

export interface DestinationFormat {
  /** The `type` in the destinations config. */
  readonly type: string;
  readonly secret: SecretRule;
  alert(notice: AlertNotice, destination: Destination): DeliveryRequest;
  followUp(notice: FollowUpNotice, destination: Destination): DeliveryRequest;
  stormSummary(notice: StormSummaryNotice, destination: Destination): DeliveryRequest;
  deadLetter(notice: DeadLetterNotice, destination: Destination): DeliveryRequest;
}
