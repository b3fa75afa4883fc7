// @riposte/console: the service (createApp, its descriptor) and what the CLI decides with — decide()
// and runDueApprovals() over the same deps, the Cloud Identity directory for group approvers.
export { type ConsoleDeps, type ConsoleRoutes, createApp } from "./app.js";
export {
  DEFAULT_APPROVER_CHECK_TIMEOUT_MS,
  type DecideRefusal,
  type DecideResult,
  DecisionRequest,
  decide,
} from "./approvals/decide.js";
export { type ApprovalDeps, acceptsLocalIdentities } from "./approvals/deps.js";
export {
  ApproverCheckError,
  type ApproverDirectory,
  CLOUD_IDENTITY_SCOPE,
  type CloudIdentityDirectoryOptions,
  cloudIdentityDirectoryFor,
  createCloudIdentityDirectory,
  GOOGLE_CLOUD_IDENTITY_URL,
} from "./approvals/directory.js";
export { type DueSummary, runDueApprovals } from "./approvals/due.js";
export { decisionText, refusedReason, subjectOf, whenOf } from "./approvals/messages.js";
export { type ConsoleConfig, consoleEnv } from "./config.js";
export { consoleDescriptor } from "./descriptor.js";
export { APPROVALS_PATH, APPROVALS_SCHEDULE } from "./scheduled.js";
