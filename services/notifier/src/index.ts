// @riposte/notifier: Slack (Block Kit) and signed SOAR webhook notifications of alerts and outcomes.
export { createApp, type NotifierDeps } from "./app.js";
export {
  createDeliverer,
  DEFAULT_DELIVERY_OPTIONS,
  type Deliverer,
  type DelivererOptions,
  type DeliveryRequest,
  type DeliveryResult,
  parseRetryAfter,
} from "./delivery.js";
export { DEV_WEBHOOK_SECRET, notifierDescriptor, notifierEnv } from "./descriptor.js";
export {
  checkUrl,
  type Destination,
  type DestinationSet,
  type LoadDestinationsInput,
  loadDestinations,
  SLACK_SHORTHAND_NAME,
} from "./destinations.js";
export {
  BUILT_IN_FORMATS,
  type DestinationFormat,
  FORMATS,
  type FormatRegistry,
  formatRegistry,
} from "./formats/index.js";
export { MIN_SECRET_LENGTH } from "./formats/webhook.js";
export {
  isNotifierLink,
  type LinkSettings,
  type MessageLinks,
  sccFindingConsoleUrl,
  traceConsoleUrl,
  traceIdOfMessage,
} from "./links.js";
export {
  createNotifier,
  DEFAULT_NOTIFIER_SETTINGS,
  type Notifier,
  type NotifierOptions,
  type NotifierSettings,
  similarityKey,
} from "./notifier.js";
export { CLOSE_WINDOWS_PATH, CLOSE_WINDOWS_SCHEDULE } from "./scheduled.js";
export {
  buildAlertMessage,
  buildFollowUpMessage,
  buildStormSummaryMessage,
  SLACK_LIMITS,
  type SlackBlock,
  type SlackMessage,
} from "./slack-message.js";
export type { StormWindow } from "./storm.js";
export { StormWindows } from "./storm-windows.js";
export {
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  type WebhookAwaitingApproval,
  type WebhookBody,
} from "./webhook.js";
