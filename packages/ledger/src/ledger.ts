// The ledger as services use it: one object over one Firestore client, its clock, its deadline and
// the incidents' TTL. Every method either answers or throws LedgerUnavailableError within `timeoutMs`;
// invalid input (not an incident key, a name that is not plain) is refused before reaching Firestore.
import type { Firestore } from "@google-cloud/firestore";
import type { AwaitingApproval } from "@riposte/contracts";
import type { z } from "zod";
import {
  type ApprovalClaim,
  type ApprovalDecisionInput,
  type ApprovalDecisionResult,
  type ApprovalRefusalInput,
  type ApprovalRequest,
  type ApprovalView,
  type ClaimDueApprovalsOptions,
  claimDueApprovals,
  decideApproval,
  finishApprovalPublish,
  type ListApprovalsOptions,
  listApprovals,
  readApproval,
  recordApprovalRefusal,
  requestApprovals,
} from "./approvals.js";
import {
  type ClaimOptions,
  type ClaimResult,
  type ClaimVersion,
  claimIncident,
  markRouted,
  releaseClaim,
} from "./claim.js";
import { contextOf, guarded } from "./context.js";
import {
  claimDelivery,
  type Delivery,
  type DeliveryClaim,
  markDelivered,
  releaseDelivery,
} from "./deliveries.js";
import {
  type ActionAttempt,
  type ActionErrorInput,
  type ActionOutcomeInput,
  INCIDENTS,
  type IncidentRecord,
  type JobResultInput,
  type NotificationInput,
  type RoutingDecisionRecord,
  readIncident,
  recordActionAttempt,
  recordActionError,
  recordActionOutcome,
  recordFinding,
  recordJobResult,
  recordNotification,
  recordTraceId,
} from "./incident.js";
import { findIncidentKeys, type IncidentList, type ListIncidentsOptions, listIncidents } from "./list.js";
import { type ObjectSlotDecision, type ObjectSlotRequest, takeObjectSlots } from "./object-slots.js";
import {
  claimExpiredQuarantineLeases,
  extendQuarantineLease,
  finishQuarantineRelease,
  keepQuarantineLease,
  type LeaseExtension,
  listQuarantineLeases,
  type QuarantinedPod,
  type QuarantineLease,
  type QuarantineLeaseClaim,
  type QuarantineLeaseInput,
  quarantineLeasesOfPod,
  type ReleaseAudit,
  type ReleaseRequest,
  type ReleaseRequestAudit,
  readQuarantineLease,
  recordQuarantineLease,
  recordQuarantineRelease,
  requestQuarantineRelease,
} from "./quarantine-leases.js";
import {
  dueStormWindows,
  pendingStormSummaries,
  removeStormSummary,
  type StoredStormWindow,
  type StormSummaryRecord,
  type StormWindowChange,
  type StormWindowId,
  updateStormWindow,
} from "./storm-windows.js";

export interface LedgerOptions {
  firestore: Firestore;
  /** How long an incident is kept after its last write (default 90 days). */
  ttlDays?: number;
  /** The longest any ledger call may take before LedgerUnavailableError (default 10 s). */
  timeoutMs?: number;
  now?: () => Date;
}

export interface Ledger {
  /** A first call sets up the client's channel (seconds): make it at start, not on the first alert. */
  warmUp(): Promise<void>;
  claimIncident(key: string, decision: RoutingDecisionRecord, options: ClaimOptions): Promise<ClaimResult>;
  markRouted(key: string, claimId: string, version?: ClaimVersion): Promise<boolean>;
  releaseClaim(key: string, claimId: string): Promise<boolean>;
  /** The actioners' blast-radius slots (object-slots.ts). */
  takeObjectSlots(request: ObjectSlotRequest): Promise<ObjectSlotDecision>;
  recordActionAttempt(key: string, action: string, attempt: z.input<typeof ActionAttempt>): Promise<void>;
  recordActionError(key: string, action: string, error: z.input<typeof ActionErrorInput>): Promise<void>;
  recordActionOutcome(
    key: string,
    action: string,
    outcome: z.input<typeof ActionOutcomeInput>,
  ): Promise<void>;
  /** A Job the action launched finished (capture-node's): actions.<action>.job. */
  recordJobResult(key: string, action: string, result: z.input<typeof JobResultInput>): Promise<void>;
  recordNotification(
    key: string,
    destination: string,
    notification: z.input<typeof NotificationInput>,
  ): Promise<void>;
  recordFinding(key: string, findingName: string): Promise<void>;
  recordTraceId(key: string, traceId: string): Promise<void>;
  readIncident(key: string): Promise<IncidentRecord | undefined>;
  /** Incidents routed since a time, newest first, optionally in one cluster (list.ts). */
  listIncidents(options: z.input<typeof ListIncidentsOptions>): Promise<IncidentList>;
  /** Keys of incidents starting with a prefix (a short key), at most `limit` (default 10). */
  findIncidentKeys(prefix: string, limit?: number): Promise<string[]>;
  /** The notifier's delivery memory (deliveries.ts). */
  claimDelivery(delivery: Delivery, leaseMs?: number): Promise<DeliveryClaim>;
  markDelivered(delivery: Delivery): Promise<void>;
  releaseDelivery(delivery: Delivery, claimId: string): Promise<void>;
  /** The notifier's storm windows (storm-windows.ts). */
  updateStormWindow<T>(
    id: StormWindowId,
    change: (current: StoredStormWindow | undefined, now: Date) => StormWindowChange<T>,
  ): Promise<T>;
  dueStormWindows(now: Date, limit?: number): Promise<StormWindowId[]>;
  pendingStormSummaries(limit?: number): Promise<StormSummaryRecord[]>;
  removeStormSummary(id: string): Promise<void>;
  /** The isolator's quarantine leases (quarantine-leases.ts). */
  recordQuarantineLease(lease: QuarantineLeaseInput): Promise<void>;
  readQuarantineLease(pod: QuarantinedPod): Promise<QuarantineLease | undefined>;
  quarantineLeasesOfPod(podUid: string): Promise<QuarantineLease[]>;
  /** Leases not yet released, soonest expiry first (the console's quarantines page). */
  listQuarantineLeases(limit?: number): Promise<{ leases: QuarantineLease[]; truncated: boolean }>;
  extendQuarantineLease(pod: QuarantinedPod, expiresAt: Date, audit: ReleaseAudit): Promise<LeaseExtension>;
  keepQuarantineLease(
    pod: QuarantinedPod,
    until: Date | undefined,
    incident: string,
  ): Promise<"kept" | "releasing" | "none">;
  claimExpiredQuarantineLeases(options?: {
    limit?: number;
    claimMs?: number;
  }): Promise<QuarantineLeaseClaim[]>;
  finishQuarantineRelease(
    claim: Pick<QuarantineLeaseClaim, "id" | "claimId">,
    audit: ReleaseAudit,
  ): Promise<boolean>;
  recordQuarantineRelease(pod: QuarantinedPod, audit: ReleaseAudit): Promise<boolean>;
  /** A person asks the isolator to lift the quarantine now, in their name (the console's Release). */
  requestQuarantineRelease(pod: QuarantinedPod, audit: ReleaseRequestAudit): Promise<ReleaseRequest>;
  /** Actions held for a person's decision (approvals.ts): create-if-absent, what is stored is kept. */
  requestApprovals(incident: string, requests: readonly ApprovalRequest[]): Promise<AwaitingApproval[]>;
  readApproval(incident: string, action: string): Promise<ApprovalView | undefined>;
  /** Awaiting ones soonest deadline first; the others newest first. */
  listApprovals(options?: z.input<typeof ListApprovalsOptions>): Promise<ApprovalView[]>;
  /** Exactly one decision ever wins; one at or after the deadline is refused (the deadline decides). */
  decideApproval(input: z.input<typeof ApprovalDecisionInput>): Promise<ApprovalDecisionResult>;
  recordApprovalRefusal(input: z.input<typeof ApprovalRefusalInput>): Promise<void>;
  /** Past their deadline (decided by on_timeout) or with an expired publish claim: each claimed once. */
  claimDueApprovals(options?: z.input<typeof ClaimDueApprovalsOptions>): Promise<ApprovalClaim[]>;
  /** The claimed publish is done; false when the claim is no longer `claimId`. */
  finishApprovalPublish(incident: string, action: string, claimId: string): Promise<boolean>;
}

export function createLedger(options: LedgerOptions): Ledger {
  const ctx = contextOf(options);
  return {
    warmUp: async () => {
      await guarded(ctx, "warm up", () => ctx.db.collection(INCIDENTS).limit(1).get());
    },
    claimIncident: (key, decision, claim) => claimIncident(ctx, key, decision, claim),
    markRouted: (key, claimId, version) => markRouted(ctx, key, claimId, version),
    releaseClaim: (key, claimId) => releaseClaim(ctx, key, claimId),
    takeObjectSlots: (request) => takeObjectSlots(ctx, request),
    recordActionAttempt: (key, action, attempt) => recordActionAttempt(ctx, key, action, attempt),
    recordActionError: (key, action, error) => recordActionError(ctx, key, action, error),
    recordActionOutcome: (key, action, outcome) => recordActionOutcome(ctx, key, action, outcome),
    recordJobResult: (key, action, result) => recordJobResult(ctx, key, action, result),
    recordNotification: (key, destination, notification) =>
      recordNotification(ctx, key, destination, notification),
    recordFinding: (key, findingName) => recordFinding(ctx, key, findingName),
    recordTraceId: (key, traceId) => recordTraceId(ctx, key, traceId),
    readIncident: (key) => readIncident(ctx, key),
    listIncidents: (options) => listIncidents(ctx, options),
    findIncidentKeys: (prefix, limit) => findIncidentKeys(ctx, prefix, limit),
    claimDelivery: (delivery, leaseMs) => claimDelivery(ctx, delivery, leaseMs),
    markDelivered: (delivery) => markDelivered(ctx, delivery),
    releaseDelivery: (delivery, claimId) => releaseDelivery(ctx, delivery, claimId),
    updateStormWindow: (id, change) => updateStormWindow(ctx, id, change),
    dueStormWindows: (now, limit) => dueStormWindows(ctx, now, limit),
    pendingStormSummaries: (limit) => pendingStormSummaries(ctx, limit),
    removeStormSummary: (id) => removeStormSummary(ctx, id),
    recordQuarantineLease: (lease) => recordQuarantineLease(ctx, lease),
    readQuarantineLease: (pod) => readQuarantineLease(ctx, pod),
    quarantineLeasesOfPod: (podUid) => quarantineLeasesOfPod(ctx, podUid),
    listQuarantineLeases: (limit) => listQuarantineLeases(ctx, limit),
    extendQuarantineLease: (pod, expiresAt, audit) => extendQuarantineLease(ctx, pod, expiresAt, audit),
    keepQuarantineLease: (pod, until, incident) => keepQuarantineLease(ctx, pod, until, incident),
    claimExpiredQuarantineLeases: (options) => claimExpiredQuarantineLeases(ctx, options),
    finishQuarantineRelease: (claim, audit) => finishQuarantineRelease(ctx, claim, audit),
    recordQuarantineRelease: (pod, audit) => recordQuarantineRelease(ctx, pod, audit),
    requestQuarantineRelease: (pod, audit) => requestQuarantineRelease(ctx, pod, audit),
    requestApprovals: (incident, requests) => requestApprovals(ctx, incident, requests),
    readApproval: (incident, action) => readApproval(ctx, incident, action),
    listApprovals: (options) => listApprovals(ctx, options),
    decideApproval: (input) => decideApproval(ctx, input),
    recordApprovalRefusal: (input) => recordApprovalRefusal(ctx, input),
    claimDueApprovals: (options) => claimDueApprovals(ctx, options),
    finishApprovalPublish: (incident, action, claimId) =>
      finishApprovalPublish(ctx, incident, action, claimId),
  };
}
