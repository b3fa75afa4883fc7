// @riposte/contracts: the Falco alert as Riposte understands it (parsing, normalisation, target,
// incident key) and the typed messages services exchange. Every service imports this package.

export { isAbsent, NOT_AVAILABLE } from "./absent.js";
export {
  ACTION_KINDS,
  ACTION_NAMES,
  ACTIONS,
  type Action,
  type ActionName,
  type CamelCase,
  camelCase,
  durationMs,
  isActionName,
  type PascalCase,
  pascalCase,
  QUARANTINE_TTL_MAX_MS,
  QUARANTINE_TTL_MIN_MS,
  quarantineTtlProblem,
  snakeCase,
  type TopicName,
  Topics,
} from "./actions.js";
export type {
  FalcoAlert,
  FalcoMessageResult,
  ParseError,
  ParseFalcoAlertOptions,
  ParseResult,
} from "./alert.js";
export { parseFalcoAlert, parseFalcoMessage } from "./alert.js";
export {
  APPROVABLE_ACTIONS,
  APPROVAL_CHANNELS,
  APPROVAL_STATES,
  APPROVAL_TIMEOUT_MAX_SECONDS,
  APPROVAL_TIMEOUT_MIN_SECONDS,
  APPROVERS_MAX,
  type ApprovalChannel,
  ApprovalPolicy,
  ApprovalRecord,
  ApprovalRef,
  type ApprovalState,
  Approver,
  AwaitingApproval,
  actionOfApprovalBlock,
  approvalBlockId,
  approvalId,
  DeciderIdentity,
  Email,
  isApprovableAction,
  ON_TIMEOUT,
  type OnTimeout,
  RefusedIdentity,
  SLACK_APPROVE_ACTION_ID,
  SLACK_DENY_ACTION_ID,
  SLACK_USER_ID,
} from "./approval.js";
export type { EvidenceLocation } from "./evidence.js";
export {
  containerLogObject,
  EVIDENCE_MANIFEST,
  EVIDENCE_SHA256_METADATA,
  EvidenceBucketName,
  EvidenceManifest,
  EvidenceObject,
  evidenceLocationProblem,
  evidencePrefix,
  isEvidenceObjectName,
} from "./evidence.js";
export type { IncidentKeyParts } from "./incident-key.js";
export { incidentKeyOf, isIncidentKey } from "./incident-key.js";
export type { JsonObject, JsonParseOptions, JsonParseResult, JsonPathError, JsonValue } from "./json.js";
export {
  parseJsonLossless,
  parsePayloadJson,
  pathWithIndex,
  pathWithKey,
  stringifyJsonLossless,
} from "./json.js";
export {
  DNS1123_LABEL_MAX_LENGTH,
  DNS1123_SUBDOMAIN_MAX_LENGTH,
  explainDns1123Label,
  explainDns1123Subdomain,
  isClusterName,
  isContainerId,
  isContainerName,
  isDns1123Label,
  isDns1123Subdomain,
  isImageReference,
  isNamespaceName,
  isNodeName,
  isPodName,
  isPodUid,
} from "./k8s-names.js";
export type {
  CommandInput,
  CommandKind,
  CommandOf,
  MessageParseResult,
  OutcomeResult,
  RiposteMessage,
  TargetMessage,
} from "./messages.js";
export {
  ActionOutcome,
  AlertSummary,
  ATTRIBUTE_VALUE_MAX_BYTES,
  actionNameOf,
  Command,
  CommandOrder,
  CommandSafety,
  commandSchemaFor,
  deadLetterTopicOf,
  ExportFindingCommand,
  ExportFindingParams,
  IncidentKeySchema,
  IsolatePodCommand,
  IsolatePodParams,
  KillPodCommand,
  KillPodParams,
  MAX_ACTION_WAIT_SECONDS,
  messageAttributes,
  NotifyCommand,
  NotifyParams,
  OUTCOME_RESULTS,
  type OutcomeReport,
  outcomeOf,
  parseMessage,
  QuarantineRecord,
  RejectedNameSchema,
  SUMMARY_FIELD_MAX_LENGTH,
  SUMMARY_LIST_MAX_ITEMS,
  SUMMARY_OUTPUT_MAX_LENGTH,
  summarizeAlert,
  TaintNodeCommand,
  TaintNodeParams,
  TargetSchema,
  truncateText,
  truncateUtf8,
} from "./messages.js";
export {
  OPERATOR_ACTIONS,
  OPERATOR_REASON_MAX_LENGTH,
  OPERATOR_SERVICE,
  type OperatorAction,
  type OperatorObject,
  type OperatorOutcomeInput,
  type OperatorReasonResult,
  OptionalOperatorReason,
  operatorOutcome,
  parseOperatorReason,
} from "./operator.js";
export type { Priority } from "./priority.js";
export { comparePriority, isAtLeast, PRIORITIES, parsePriority, severityOf } from "./priority.js";
export type {
  EnvelopeName,
  EnvelopeNames,
  RejectedName,
  Target,
  TargetInput,
  TargetOptions,
} from "./target.js";
export { DEFAULT_CLUSTER_FIELD, extractTarget } from "./target.js";
export type { TimeParseResult } from "./time.js";
export { formatRfc3339Nanos, parseRfc3339Nanos } from "./time.js";
