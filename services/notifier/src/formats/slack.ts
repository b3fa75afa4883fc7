// Slack incoming webhooks: Block Kit messages (slack-message.ts). The webhook URL is the credential.
import type { DeliveryRequest } from "../delivery.js";
import {
  buildAlertMessage,
  buildDeadLetterMessage,
  buildFollowUpMessage,
  buildStormSummaryMessage,
  type SlackMessage,
} from "../slack-message.js";
import type { DestinationFormat } from "./format.js";

const slackRequest = (message: SlackMessage): DeliveryRequest => ({ body: JSON.stringify(message) });

export const slackFormat: DestinationFormat = {
  type: "slack",
  secret: {
    required: false,
    refusal: "a Slack destination takes no secret (the webhook URL is the credential)",
  },
  alert: (notice) => slackRequest(buildAlertMessage(notice)),
  followUp: ({ outcome, alert, target, links }) =>
    slackRequest(
      buildFollowUpMessage({
        outcome,
        ...(alert ? { rule: alert.rule } : {}),
        ...(target ? { target } : {}),
        links,
      }),
    ),
  stormSummary: (notice) =>
    slackRequest(buildStormSummaryMessage({ ...notice, windowMs: notice.endsAt - notice.startedAt })),
  deadLetter: (notice) => slackRequest(buildDeadLetterMessage({ ...notice, rule: notice.alert.rule })),
};
