// The incident ledger: Riposte's state in Firestore, shared by every instance — the incident timeline,
// the router's dedup claims and the actioners' blast-radius slots.
export {
  APPROVALS,
  type ApprovalClaim,
  ApprovalDecisionInput,
  type ApprovalDecisionResult,
  ApprovalRefusalInput,
  type ApprovalRequest,
  ApprovalView,
  ClaimDueApprovalsOptions,
  DEFAULT_PUBLISH_CLAIM_MS,
  ListApprovalsOptions,
  REFUSALS_KEPT,
} from "./approvals.js";
export {
  type ClaimOptions,
  type ClaimResult,
  type ClaimVersion,
  DEFAULT_CLAIM_LEASE_MS,
} from "./claim.js";
export { createLedgerFirestore, type LedgerClientOptions } from "./client.js";
export { LEDGER_COLLECTIONS } from "./collections.js";
export {
  type LedgerConfig,
  type LedgerConnection,
  LedgerEnv,
  type LedgerOpening,
  ledgerFromConfig,
  openLedger,
} from "./config.js";
export { DEFAULT_TIMEOUT_MS, DEFAULT_TTL_DAYS } from "./context.js";
export {
  DEFAULT_DELIVERY_LEASE_MS,
  DELIVERIES,
  Delivery,
  type DeliveryClaim,
} from "./deliveries.js";
export { LedgerUnavailableError } from "./errors.js";
export {
  type ActionRecord,
  ApprovalMirror,
  FieldName,
  INCIDENTS,
  IncidentRecord,
  JOB_STATES,
  NOTIFICATION_STATUSES,
  type NotificationRecord,
  REASON_MAX_LENGTH,
  type RouterRecord,
  RoutingDecisionRecord,
} from "./incident.js";
export {
  type ActionView,
  type ApprovalMirrorView,
  actionState,
  describeTarget,
  type IncidentView,
  incidentTimeline,
  incidentView,
  SHORT_KEY_LENGTH,
  shortKey,
  type TargetView,
  type TimelineEvent,
  type TraceLink,
  targetViewOf,
  waitingActions,
} from "./incident-view.js";
export { createLedger, type Ledger, type LedgerOptions } from "./ledger.js";
export {
  DEFAULT_LIST_LIMIT,
  IncidentKeyPrefix,
  type IncidentList,
  incidentTarget,
  LIST_SCAN_MAX,
  LISTED_BY,
  ListIncidentsOptions,
} from "./list.js";
export {
  createObjectSlots,
  type ObjectSlotDecision,
  ObjectSlotRequest,
  type ObjectSlots,
} from "./object-slots.js";
export {
  DEFAULT_RELEASE_CLAIM_MS,
  type LeaseExtension,
  QUARANTINE_LEASES,
  QUARANTINE_LIST_MAX,
  QuarantinedPod,
  type QuarantineLease,
  type QuarantineLeaseClaim,
  QuarantineLeaseInput,
  type QuarantineLeaseState,
  ReleaseAudit,
  type ReleaseRequest,
  ReleaseRequestAudit,
} from "./quarantine-leases.js";
export { type Limit, SLOT_HOLDERS, SLOTS } from "./slots.js";
export {
  STORM_SUMMARIES,
  STORM_WINDOWS,
  type StoredStormWindow,
  type StormSummaryRecord,
  type StormWindowChange,
  StormWindowId,
} from "./storm-windows.js";
