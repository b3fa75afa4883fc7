// Signed SOAR webhooks: a versioned JSON body per event, signed with the destination's secret
// (webhook.ts), with an event id receivers deduplicate on.
import type { Destination } from "../destinations.js";
import {
  signedWebhookRequest,
  webhookAlert,
  webhookAwaitingApproval,
  webhookEventId,
  webhookLinks,
  webhookOutcome,
  webhookTarget,
} from "../webhook.js";
import type { DestinationFormat } from "./format.js";

/** Shorter HMAC keys are refused: they could be guessed. */
export const MIN_SECRET_LENGTH = 16;

export const webhookFormat: DestinationFormat = {
  type: "webhook",
  secret: {
    required: true,
    problem: (secret) =>
      secret.length < MIN_SECRET_LENGTH
        ? `the HMAC secret must be at least ${MIN_SECRET_LENGTH} characters, got ${secret.length}`
        : undefined,
  },
  alert: (notice, destination) =>
    signedWebhookRequest(secretOf(destination), {
      version: 1,
      type: "alert",
      event_id: webhookEventId(notice.incident, notice.subject),
      incident: notice.incident,
      alert: webhookAlert(notice.alert),
      target: webhookTarget(notice.target),
      playbooks: notice.playbooks,
      outcomes: notice.outcomes.map(webhookOutcome),
      awaiting_approval: notice.awaitingApproval.map(webhookAwaitingApproval),
      links: webhookLinks(notice.links),
      sent_at: notice.sentAt,
    }),
  followUp: ({ incident, subject, alert, target, outcome, links, sentAt }, destination) =>
    signedWebhookRequest(secretOf(destination), {
      version: 1,
      type: "outcome",
      event_id: webhookEventId(incident, subject),
      incident,
      ...(alert ? { alert: webhookAlert(alert) } : {}),
      ...(target ? { target: webhookTarget(target) } : {}),
      outcome: webhookOutcome(outcome),
      links: webhookLinks(links),
      sent_at: sentAt,
    }),
  stormSummary: (notice, destination) =>
    signedWebhookRequest(secretOf(destination), {
      version: 1,
      type: "storm-summary",
      event_id: webhookEventId(notice.firstIncident, notice.subject),
      about: notice.about,
      rule: notice.rule,
      target: webhookTarget(notice.target ?? { rejected: [] }),
      ...(notice.action ? { action: notice.action } : {}),
      ...(notice.result ? { result: notice.result } : {}),
      first_incident: notice.firstIncident,
      count: notice.count,
      ...(notice.highestPriority ? { highest_priority: notice.highestPriority } : {}),
      actions: notice.actions,
      incidents: notice.incidents,
      window_start: new Date(notice.startedAt).toISOString(),
      window_end: new Date(notice.endsAt).toISOString(),
      links: {},
      sent_at: notice.sentAt,
    }),
  deadLetter: (notice, destination) =>
    signedWebhookRequest(secretOf(destination), {
      version: 1,
      type: "dead-letter",
      event_id: webhookEventId(notice.incident, notice.subject),
      incident: notice.incident,
      alert: webhookAlert(notice.alert),
      target: webhookTarget(notice.target),
      action: notice.action,
      dry_run: notice.dryRun,
      subscription: notice.subscription,
      ...(notice.attempts === undefined ? {} : { delivery_attempts: notice.attempts }),
      dead_letter_subscription: notice.deadLetterSubscription,
      links: webhookLinks(notice.links),
      sent_at: notice.sentAt,
    }),
};

/** loadDestinations gives every webhook destination its checked secret: never sign with none. */
function secretOf(destination: Destination): string {
  if (destination.secret === undefined) throw new Error(`destination ${destination.name} has no secret`);
  return destination.secret;
}
