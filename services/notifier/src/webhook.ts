// Generic webhooks for SOAR tools (Cortex XSOAR, Splunk SOAR): a versioned JSON body with the
// normalised alert and the action outcomes, signed with HMAC-SHA256 over "<timestamp>.<raw body>" so
// the receiver can check origin and freshness (the scheme Stripe and Slack use for their own webhooks).
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { ActionOutcome, AlertSummary, AwaitingApproval, TargetMessage } from "@riposte/contracts";
import type { DeliveryRequest } from "./delivery.js";
import type { MessageLinks } from "./links.js";

export const SIGNATURE_HEADER = "x-riposte-signature";
export const TIMESTAMP_HEADER = "x-riposte-timestamp";
/** Stable per event (incident + what is reported): receivers deduplicate deliveries with it. */
export const EVENT_ID_HEADER = "x-riposte-event-id";
export const SIGNATURE_VERSION = "v1";
/** A receiver should refuse signatures older (or newer) than this. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

export interface WebhookAlert {
  rule: string;
  priority: string;
  severity: number;
  time: string;
  time_ns: string;
  source?: string;
  hostname?: string;
  tags: string[];
  output: string;
  output_fields: Record<string, unknown>;
}

export interface WebhookTarget {
  cluster?: string;
  node?: string;
  namespace?: string;
  pod?: string;
  pod_uid?: string;
  container_id?: string;
  container_name?: string;
  image?: string;
  rejected: { field: string; value: string; reason: string }[];
}

export interface WebhookOutcome {
  service: string;
  action: string;
  result: string;
  reason: string;
  details: Record<string, unknown>;
  at: string;
}

/** One action of the incident held for a person's decision (a SOAR may show it; it cannot decide). */
export interface WebhookAwaitingApproval {
  action: string;
  /** ISO 8601: when on_timeout applies. */
  deadline: string;
  on_timeout: string;
  /** `user:EMAIL` / `group:EMAIL`: who may decide. */
  approvers: string[];
}

interface WebhookEnvelope {
  version: 1;
  event_id: string;
  sent_at: string;
  links: { trace?: string; scc_finding?: string };
}

export interface AlertWebhookBody extends WebhookEnvelope {
  type: "alert";
  incident: string;
  alert: WebhookAlert;
  target: WebhookTarget;
  playbooks: string[];
  /** Outcomes already known when the alert was sent (they may arrive before it). */
  outcomes: WebhookOutcome[];
  /** The incident's actions held for approval (empty when none). */
  awaiting_approval: WebhookAwaitingApproval[];
}

export interface OutcomeWebhookBody extends WebhookEnvelope {
  type: "outcome";
  incident: string;
  alert?: WebhookAlert;
  target?: WebhookTarget;
  outcome: WebhookOutcome;
}

export interface StormSummaryWebhookBody extends WebhookEnvelope {
  type: "storm-summary";
  /** What was collapsed: similar alerts, or similar outcomes of one action. */
  about: "alerts" | "outcomes";
  rule: string;
  target: WebhookTarget;
  action?: string;
  result?: string;
  /** The incident that was sent in full when the window opened. */
  first_incident: string;
  /** How many similar events were not sent individually. */
  count: number;
  /** Their incident keys (at most the first 100). */
  incidents: string[];
  /** The highest priority among them (alerts only). */
  highest_priority?: string;
  /** What was done for them: "kill-pod done" → count (outcomes known when the window closed). */
  actions: Record<string, number>;
  window_start: string;
  window_end: string;
}

/** A command Pub/Sub gave up on: the action never happened. */
export interface DeadLetterWebhookBody extends WebhookEnvelope {
  type: "dead-letter";
  incident: string;
  alert: WebhookAlert;
  target: WebhookTarget;
  /** The playbook action, e.g. "kill-pod". */
  action: string;
  dry_run: boolean;
  /** The subscription that dead-lettered it and its delivery attempts (when Pub/Sub said). */
  subscription: string;
  delivery_attempts?: number;
  dead_letter_subscription: string;
}

export type WebhookBody =
  | AlertWebhookBody
  | OutcomeWebhookBody
  | StormSummaryWebhookBody
  | DeadLetterWebhookBody;

export function webhookAlert(alert: AlertSummary): WebhookAlert {
  return {
    rule: alert.rule,
    priority: alert.priority,
    severity: alert.severity,
    time: alert.time,
    time_ns: alert.timeNs,
    ...(alert.source === undefined ? {} : { source: alert.source }),
    ...(alert.hostname === undefined ? {} : { hostname: alert.hostname }),
    tags: alert.tags,
    output: alert.output,
    output_fields: alert.outputFields,
  };
}

export function webhookTarget(target: TargetMessage): WebhookTarget {
  const out: WebhookTarget = { rejected: target.rejected };
  if (target.cluster !== undefined) out.cluster = target.cluster;
  if (target.node !== undefined) out.node = target.node;
  if (target.namespace !== undefined) out.namespace = target.namespace;
  if (target.pod !== undefined) out.pod = target.pod;
  if (target.podUid !== undefined) out.pod_uid = target.podUid;
  if (target.containerId !== undefined) out.container_id = target.containerId;
  if (target.containerName !== undefined) out.container_name = target.containerName;
  if (target.image !== undefined) out.image = target.image;
  return out;
}

export function webhookOutcome(outcome: ActionOutcome): WebhookOutcome {
  return {
    service: outcome.service,
    action: outcome.action,
    result: outcome.result,
    reason: outcome.reason,
    details: outcome.details,
    at: outcome.at,
  };
}

export function webhookAwaitingApproval(held: AwaitingApproval): WebhookAwaitingApproval {
  return {
    action: held.action,
    deadline: held.deadline,
    on_timeout: held.onTimeout,
    approvers: [...held.approvers],
  };
}

export function webhookLinks(links: MessageLinks): WebhookEnvelope["links"] {
  return {
    ...(links.trace ? { trace: links.trace } : {}),
    ...(links.sccFinding ? { scc_finding: links.sccFinding } : {}),
  };
}

/** A stable id for one reported event: the same incident and subject always give the same id. */
export function webhookEventId(incident: string, subject: string): string {
  return createHash("sha256").update(`${incident}\n${subject}`).digest("hex").slice(0, 32);
}

/** A webhook body as a delivery: signed afresh at each attempt, with its event id for deduplication. */
export function signedWebhookRequest(secret: string, body: WebhookBody): DeliveryRequest {
  const raw = JSON.stringify(body);
  return {
    body: raw,
    headersFor: (nowMs) => ({ ...signWebhook(raw, secret, nowMs / 1000), [EVENT_ID_HEADER]: body.event_id }),
  };
}

/** The headers that sign `rawBody` at `unixSeconds`. */
export function signWebhook(rawBody: string, secret: string, unixSeconds: number): Record<string, string> {
  const timestamp = String(Math.floor(unixSeconds));
  const mac = createHmac("sha256", secret).update(`${timestamp}.${rawBody}`, "utf8").digest("hex");
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `${SIGNATURE_VERSION}=${mac}` };
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export interface VerifyWebhookInput {
  rawBody: string;
  timestamp: string | undefined;
  signature: string | undefined;
  secret: string;
  nowSeconds?: number;
  toleranceSeconds?: number;
}

/** What a receiver does (and what tests use): recompute the MAC, compare in constant time, check age. */
export function verifyWebhookSignature(input: VerifyWebhookInput): SignatureCheck {
  if (!input.timestamp || !/^[0-9]{1,12}$/.test(input.timestamp)) {
    return { ok: false, reason: `${TIMESTAMP_HEADER}: expected unix seconds` };
  }
  const now = input.nowSeconds ?? Date.now() / 1000;
  const tolerance = input.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(now - Number(input.timestamp)) > tolerance) {
    return { ok: false, reason: `${TIMESTAMP_HEADER}: more than ${tolerance} s away from now` };
  }
  const prefix = `${SIGNATURE_VERSION}=`;
  if (!input.signature?.startsWith(prefix)) {
    return { ok: false, reason: `${SIGNATURE_HEADER}: expected "${prefix}<hex>"` };
  }
  const expected = signWebhook(input.rawBody, input.secret, Number(input.timestamp))[SIGNATURE_HEADER] ?? "";
  const given = Buffer.from(input.signature, "utf8");
  const wanted = Buffer.from(expected, "utf8");
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    return { ok: false, reason: `${SIGNATURE_HEADER}: does not match the body` };
  }
  return { ok: true };
}
