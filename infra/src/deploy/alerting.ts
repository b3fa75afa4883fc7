// Failures nobody can miss, on the Google Cloud side: one Cloud Monitoring alert policy per dead-letter
// subscription (a command given up on) and one on the quarantine backlog (a message no service could
// accept), derived from the topology — never a hand-written list. They page through a notification
// channel of the operator's (`--alert-channel`), not through the notifier: it may be what is failing.
import { Topics } from "@riposte/contracts";
import type { SubscriptionSpec } from "../topology/derive.js";
import { type Flag, gcloud, type PlanStep } from "./commands.js";

/** `projects/P/notificationChannels/ID`, as `gcloud alpha monitoring channels list` prints it. */
const NOTIFICATION_CHANNEL = /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/notificationChannels\/[0-9]+$/;

export class AlertChannelError extends Error {
  override readonly name = "AlertChannelError";
}

/** Checks `--alert-channel`; throws naming the value and the expected form. */
export function checkAlertChannel(channel: string): string {
  if (!NOTIFICATION_CHANNEL.test(channel)) {
    throw new AlertChannelError(
      `--alert-channel ${JSON.stringify(channel)}: expected projects/PROJECT/notificationChannels/ID (gcloud alpha monitoring channels list)`,
    );
  }
  return channel;
}

/** What the plan watches: each subscription that holds dead letters or quarantined messages. */
export interface WatchedBacklog {
  subscription: string;
  kind: "dead letters" | "quarantine";
}

/** The pull subscriptions messages wait in when something failed: dead-letter queues and quarantine. */
export function watchedBacklogs(subscriptions: readonly SubscriptionSpec[]): WatchedBacklog[] {
  const deadLetterTopics = new Set(
    subscriptions.flatMap((sub) => (sub.deadLetter ? [sub.deadLetter.topic] : [])),
  );
  return subscriptions.flatMap((sub): WatchedBacklog[] => {
    if (sub.push) return [];
    if (sub.topic === Topics.quarantine) return [{ subscription: sub.name, kind: "quarantine" }];
    return deadLetterTopics.has(sub.topic) ? [{ subscription: sub.name, kind: "dead letters" }] : [];
  });
}

/** The display name that identifies a policy (the plan's existence check looks it up). */
export function alertPolicyName(backlog: WatchedBacklog): string {
  const what = backlog.kind === "quarantine" ? "quarantined messages" : "dead letters";
  return `Riposte: ${what} in ${backlog.subscription}`;
}

/**
 * An AlertPolicy (Cloud Monitoring API v3) firing when the subscription has held at least one
 * undelivered message for a minute: nothing is ever meant to wait there.
 */
export function alertPolicy(backlog: WatchedBacklog): Record<string, unknown> {
  const what =
    backlog.kind === "quarantine"
      ? "A message no Riposte service could accept was quarantined. Inspect it with `riposte quarantine list`."
      : `Riposte gave up on a message in ${backlog.subscription} (a command there was never carried out). Inspect and replay it with \`riposte dlq list SERVICE\`.`;
  return {
    displayName: alertPolicyName(backlog),
    documentation: { content: what, mimeType: "text/markdown" },
    userLabels: { app: "riposte" },
    combiner: "OR",
    severity: backlog.kind === "quarantine" ? "WARNING" : "CRITICAL",
    conditions: [
      {
        displayName: `undelivered messages in ${backlog.subscription}`,
        conditionThreshold: {
          filter: [
            'resource.type = "pubsub_subscription"',
            `resource.labels.subscription_id = "${backlog.subscription}"`,
            'metric.type = "pubsub.googleapis.com/subscription/num_undelivered_messages"',
          ].join(" AND "),
          aggregations: [{ alignmentPeriod: "60s", perSeriesAligner: "ALIGN_MAX" }],
          comparison: "COMPARISON_GT",
          thresholdValue: 0,
          duration: "60s",
          trigger: { count: 1 },
        },
      },
    ],
  };
}

export interface AlertingStepOptions {
  project: string;
  subscriptions: readonly SubscriptionSpec[];
  /** `projects/P/notificationChannels/ID`; without one, incidents open in the console only. */
  alertChannel?: string;
}

/**
 * The plan step creating the policies (`gcloud alpha monitoring policies create`: the installed
 * gcloud has `policies` in alpha only). Creation is guarded by `riposte alerting exists`, which looks
 * the display name up: Cloud Monitoring assigns policy ids itself, so there is nothing to describe.
 */
export function alertingStep(options: AlertingStepOptions): PlanStep {
  const projectFlag: Flag = ["project", options.project];
  const channel = options.alertChannel ? checkAlertChannel(options.alertChannel) : undefined;
  return {
    title: "Alert on dead letters and quarantine",
    why: `a Cloud Monitoring alert policy per dead-letter subscription and on the quarantine backlog (undelivered messages > 0 for 1 min), ${
      channel
        ? `notifying ${channel}`
        : "with no notification channel yet: pass --alert-channel projects/P/notificationChannels/ID"
    }`,
    commands: watchedBacklogs(options.subscriptions).map((backlog) => ({
      unless: {
        program: "npx",
        path: ["riposte", "alerting", "exists"],
        positionals: [],
        flags: [projectFlag, ["display-name", alertPolicyName(backlog)]],
      },
      call: gcloud(
        ["alpha", "monitoring", "policies", "create"],
        [],
        [
          ["policy", JSON.stringify(alertPolicy(backlog))],
          ...(channel ? [["notification-channels", channel] as Flag] : []),
          projectFlag,
        ],
      ),
    })),
  };
}
