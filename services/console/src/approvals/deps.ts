// What deciding and the scheduled call need: the ledger's approval methods, a publisher, the
// directory for group approvers, and whether local identities count (the emulators only).
import type { Ledger, LedgerConfig } from "@riposte/ledger";
import type { Logger, Publisher } from "@riposte/service-kit";
import type { ApproverDirectory } from "./directory.js";

export interface ApprovalDeps {
  ledger: Pick<
    Ledger,
    | "readApproval"
    | "decideApproval"
    | "recordApprovalRefusal"
    | "claimDueApprovals"
    | "finishApprovalPublish"
  >;
  publisher: Publisher;
  directory: ApproverDirectory;
  /** `local:NAME` may decide: true only against the Firestore emulator (acceptsLocalIdentities). */
  acceptLocal: boolean;
  /** The longest a group-membership check may take before the decision is refused (default 5 s). */
  approverCheckTimeoutMs?: number;
  logger: Logger;
  now?: () => Date;
}

/**
 * Local operators (`local:NAME`, the OS user) may decide only when the ledger is the Firestore
 * emulator: a developer's `riposte dev`, where no Google identity exists. Never against a real ledger.
 */
export function acceptsLocalIdentities(ledger: Pick<LedgerConfig, "FIRESTORE_EMULATOR_HOST">): boolean {
  return ledger.FIRESTORE_EMULATOR_HOST !== undefined;
}
