// node-capturer's own variables (the actioner kit's are added beside them) and what its action and its
// scheduled call use, built from them at start.
import { kubernetesActionerEnv } from "@riposte/actioner-kit";
import { EvidenceBucketName } from "@riposte/contracts";
import { createLedger, type Ledger, LedgerEnv, ledgerFromConfig } from "@riposte/ledger";
import type { z } from "zod";

export const nodeCaptureEnv = {
  EVIDENCE_BUCKET: EvidenceBucketName.describe(
    "the Cloud Storage bucket the capture Job uploads to, with its own identity (the deploy plan creates it)",
  ),
  // The kit's own variables, read here too: the Jobs live in Riposte's namespace, and the scheduled
  // call records their results in the ledger. Same schemas, so the service's env is unchanged.
  RIPOSTE_NAMESPACE: kubernetesActionerEnv.RIPOSTE_NAMESPACE,
  ...LedgerEnv,
};

export type NodeCaptureConfig = z.output<z.ZodObject<typeof nodeCaptureEnv>>;

/** What the scheduled call writes in the ledger. */
export type JobResults = Pick<Ledger, "recordJobResult">;

/** What capture-node's plan and its scheduled call use (`context.uses`, `runner.uses`). */
export interface NodeCaptureUses {
  /** The bucket's real name. */
  bucket: string;
  /** Riposte's namespace: the Jobs are created there, where the Kubernetes service account lives. */
  namespace: string;
  jobResults: JobResults;
}

export function nodeCaptureUsesFrom(config: NodeCaptureConfig): NodeCaptureUses {
  // Opened on first use: the scheduled call's first pass, never at import or start-up.
  let ledger: Ledger | undefined;
  return {
    bucket: config.EVIDENCE_BUCKET,
    namespace: config.RIPOSTE_NAMESPACE,
    jobResults: {
      recordJobResult: (key, action, result) => {
        ledger ??= createLedger(ledgerFromConfig(config));
        return ledger.recordJobResult(key, action, result);
      },
    },
  };
}
