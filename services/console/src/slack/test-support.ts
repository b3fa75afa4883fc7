// What the Slack tests share: a block_actions payload shaped like Slack's for a click on the
// announcement's buttons, and the request Slack would send with it (form body, v0 signature).
import { slackSignature } from "./signature.js";

export const TEST_INCIDENT = "0123456789abcdef0123456789abcdef";
export const TEST_SIGNING_SECRET = "test-signing-secret-0123456789";

/** The announcement as the notifier builds it: a section, the held action's buttons, a context line. */
export function announcementBlocks(action = "kill-pod"): Record<string, unknown>[] {
  return [
    { type: "section", block_id: "s1", text: { type: "mrkdwn", text: "*Critical* `rule`", verbatim: true } },
    {
      type: "section",
      block_id: "s2",
      text: { type: "mrkdwn", text: `:raised_hand: *Waiting for approval:* \`${action}\``, verbatim: true },
    },
    {
      type: "actions",
      block_id: `riposte-approval:${action}`,
      elements: [
        {
          type: "button",
          action_id: "riposte-approve",
          text: { type: "plain_text", text: "Approve" },
          value: "{}",
        },
        {
          type: "button",
          action_id: "riposte-deny",
          text: { type: "plain_text", text: "Deny" },
          value: "{}",
        },
      ],
    },
    { type: "context", block_id: "c1", elements: [{ type: "mrkdwn", text: "Trace" }] },
  ];
}

/** A block_actions payload for a click on `action_id` of the held kill-pod; `overrides` replace fields. */
export function blockActions(
  overrides: Record<string, unknown> = {},
  action: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: "block_actions",
    user: { id: "U0ALICE", username: "alice", name: "alice", team_id: "T0STANDIN" },
    api_app_id: "A0RIPOSTE",
    team: { id: "T0STANDIN", domain: "acme" },
    container: { type: "message", message_ts: "1700000000.000100", channel_id: "C0ALERTS" },
    channel: { id: "C0ALERTS", name: "alerts" },
    trigger_id: "1.2.3",
    response_url: "https://hooks.slack.com/actions/T0STANDIN/1/abc",
    message: {
      type: "message",
      ts: "1700000000.000100",
      text: "Critical alert",
      blocks: announcementBlocks(),
    },
    actions: [
      {
        type: "button",
        action_id: "riposte-approve",
        block_id: "riposte-approval:kill-pod",
        text: { type: "plain_text", text: "Approve" },
        value: JSON.stringify({ incident: TEST_INCIDENT, action: "kill-pod" }),
        action_ts: "1700000001.000200",
        ...action,
      },
    ],
    ...overrides,
  };
}

export function formBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** The headers and body Slack sends: the form, its timestamp and `v0=` signature (overridable). */
export function slackRequestInit(
  body: string,
  options: { secret?: string; timestamp?: number; signature?: string; signedBody?: string } = {},
): RequestInit {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature =
    options.signature ??
    slackSignature(options.secret ?? TEST_SIGNING_SECRET, timestamp, options.signedBody ?? body);
  return {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": signature,
    },
    body,
  };
}
