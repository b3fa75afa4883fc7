// What the console's pages need from the rest of the console: the ledger (read incidents, approvals
// and quarantine leases; extend a lease, request its release), the one deciding function every channel shares (decide, with
// via "console"), where links may point, and the secret that signs forms.
import { randomBytes } from "node:crypto";
import type { ApprovalRef } from "@riposte/contracts";
import type { Ledger } from "@riposte/ledger";
import type { Logger } from "@riposte/service-kit";
import { findingConsoleUrlOfName, storageConsoleUrl, traceConsoleUrl } from "@riposte/service-kit/gcp";

export type PagesLedger = Pick<
  Ledger,
  | "listIncidents"
  | "readIncident"
  | "findIncidentKeys"
  | "listApprovals"
  | "listQuarantineLeases"
  | "extendQuarantineLease"
  | "requestQuarantineRelease"
>;

/** A person's decision from a console form. */
export interface PageDecision {
  ref: ApprovalRef;
  decision: "approved" | "denied";
  /** The actor's `user:EMAIL` (IAP) or `local:NAME` (none-local). */
  identity: string;
  via: "console";
  reason?: string;
}

/** What the person is told: done, or refused with a sentence saying why (who decided first, when…). */
export type PageDecisionResult = { ok: true; message: string } | { ok: false; message: string };

/** Links to Google Cloud's consoles; null where there is none (locally the page shows the CLI command). */
export interface PageLinks {
  trace(traceId: string): string | null;
  finding(name: string): string | null;
  evidence(location: string): string | null;
}

export interface ConsolePagesDeps {
  ledger: PagesLedger;
  decide(decision: PageDecision): Promise<PageDecisionResult>;
  links: PageLinks;
  /**
   * Signs the forms' tokens and the flash cookie. Every instance must share it (a form loaded from
   * one instance may be posted to another): configure it where more than one instance runs. Default:
   * 32 random bytes for this process.
   */
  secret?: Uint8Array;
  /** Origins allowed to post besides the request's own Host (e.g. the load balancer's https://name). */
  origins?: readonly string[];
  now?: () => Date;
  logger?: Pick<Logger, "info" | "warn">;
}

/** Links into the project's Cloud Trace (when traces are exported there), SCC and Cloud Storage. */
export function cloudLinks(traceProject: string | undefined): PageLinks {
  return {
    trace: (traceId) => (traceProject ? (traceConsoleUrl(traceProject, traceId) ?? null) : null),
    finding: (name) => findingConsoleUrlOfName(name) ?? null,
    evidence: (location) => storageConsoleUrl(location) ?? null,
  };
}

/** Against the emulators and stand-ins nothing is in Google Cloud's consoles: the CLI shows it. */
export const LOCAL_LINKS: PageLinks = { trace: () => null, finding: () => null, evidence: () => null };

export function secretOf(deps: ConsolePagesDeps): Uint8Array {
  return deps.secret ?? randomBytes(32);
}
