// @riposte/standins: wire-level local stand-ins for the outside services Riposte talks to, used by
// tests and `npm start`. Slack / SOAR webhooks are an HTTP receiver; Security Command Center v2 is a
// gRPC server that the real @google-cloud/security-center client is pointed at; Cloud Storage is an
// HTTP server for the JSON API that the real @google-cloud/storage client is pointed at; Identity-Aware
// Proxy is its JWKS endpoint plus the assertions it would sign (valid and hostile); Cloud Identity's
// Groups API answers group lookups and transitive membership checks (the console's group approvers).

export {
  type CloudIdentityFault,
  type CloudIdentityMethod,
  type CloudIdentityRequest,
  type CloudIdentityStandin,
  type StartCloudIdentityStandinOptions,
  startCloudIdentityStandin,
} from "./cloud-identity/standin.js";
export {
  type GoogleOAuthRequest,
  type GoogleOAuthStandin,
  type GoogleOAuthUser,
  startGoogleOAuthStandin,
  USERINFO_EMAIL_SCOPE,
} from "./google-oauth/standin.js";
export {
  generateIapKey,
  HOSTILE_IAP_KINDS,
  type HostileIapKind,
  hostileIapAssertions,
  IAP_ASSERTION_LIFETIME_SECONDS,
  IAP_ISSUER,
  type IapClaims,
  type IapSigningKey,
  iapPayload,
  STANDIN_IAP_AUDIENCE,
  signIapAssertion,
} from "./iap/assertion.js";
export {
  IAP_ADMIN_PREFIX,
  IAP_JWKS_PATH,
  type IapJwksFault,
  type IapStandin,
  type StartIapStandinOptions,
  startIapStandin,
} from "./iap/standin.js";
export {
  type CollectedSpan,
  type OtlpReceiver,
  parseExportRequest,
  startOtlpReceiver,
} from "./otlp/receiver.js";
export { type FindingPredicate, parseFindingFilter, supportedFilterFields } from "./scc/filter.js";
export type { FindingRef, SourceRef } from "./scc/names.js";
export {
  type SccCall,
  type SccClientOptions,
  type SccFault,
  type SccFaults,
  type SccMethod,
  type SccStandin,
  type StartSccStandinOptions,
  sccClientOptionsFor,
  startSccStandin,
} from "./scc/standin.js";
export { SccStatusError } from "./scc/status-error.js";
export type { FindingWriteEffect, StandinFinding, StandinSource } from "./scc/store.js";
export { type JsonValue, jsonToValue, timestampToIso, valueToJson } from "./scc/wire.js";
export {
  STORAGE_ADMIN_PREFIX,
  type StandinBucket,
  type StandinObject,
  type StartStorageStandinOptions,
  type StorageFault,
  type StorageFaults,
  type StorageOperation,
  type StorageOperationGroup,
  type StorageRequestRecord,
  type StorageStandin,
  startStorageStandin,
  storageClientOptionsFor,
} from "./storage/standin.js";
export {
  type WebhookReceiverAdmin,
  WebhookReceiverAdminError,
  webhookReceiverAdmin,
} from "./webhook/admin-client.js";
export {
  adminPathPrefix,
  defaultSlackBotScopes,
  defaultSlackBotToken,
  InvalidResponseScriptError,
  InvalidSlackUserError,
  parseResponseScript,
  type ReceivedRequest,
  type ResponseScript,
  responseUrlLimits,
  responseUrlPathPrefix,
  type ScriptedResponse,
  type SlackCheckResult,
  type SlackStandinUser,
  type StartWebhookReceiverOptions,
  slackApiPathPrefix,
  startWebhookReceiver,
  type WebhookReceiver,
} from "./webhook/receiver.js";
export {
  type FindSlackInjectionsOptions,
  findSlackInjections,
  type SlackInjection,
  type SlackInjectionKind,
} from "./webhook/slack-injections.js";
export {
  checkSlackPayload,
  type SlackPayloadCheck,
  type SlackPayloadError,
  slackLimits,
} from "./webhook/slack-payload.js";
