// node-capturer: runs capture-node (action.ts). Its name, topic and description come from the action and
// the catalogue (@riposte/contracts actions.ts); what is written here is what only this actioner has:
// the evidence bucket's name (its Job writes there with an identity of its own), that identity, and the
// scheduled call recording the Jobs' results. Topology, RBAC, the deploy plan and `npm start` are
// derived from it.
import { describeActioner } from "@riposte/actioner-kit";
import { captureNode, RIPOSTE_NAMESPACE } from "./action.js";
import { nodeCaptureEnv, nodeCaptureUsesFrom } from "./config.js";
import { NODE_CAPTURE_SERVICE_ACCOUNT } from "./job.js";
import { jobResultsCall } from "./job-results.js";

export default describeActioner(captureNode, {
  // `npm start` serves it on RIPOSTE_PORT_BASE + this; chosen by the generator, never reused.
  localPortOffset: 8,
  uses: { env: nodeCaptureEnv, create: (config) => nodeCaptureUsesFrom(config) },
  buckets: [
    {
      bucket: "evidence",
      env: "EVIDENCE_BUCKET",
      // None: the service only names the bucket in the Job; the Job's own identity writes.
      roles: [],
      reason: "names the bucket in the capture Job's upload (the Job's identity writes, not this service)",
    },
  ],
  workloadIdentities: [
    {
      kubernetesServiceAccount: NODE_CAPTURE_SERVICE_ACCOUNT,
      namespace: RIPOSTE_NAMESPACE,
      gcpServiceAccountId: NODE_CAPTURE_SERVICE_ACCOUNT,
      // Creates objects only: a capture Job cannot read, replace or delete other evidence.
      buckets: [{ bucket: "evidence", roles: ["roles/storage.objectCreator"] }],
      reason: "the capture Job uploads its file once (gcloud storage cp --if-generation-match=0)",
    },
  ],
  scheduled: [jobResultsCall()],
  localEnv: (local) => ({ ...(local.evidenceBucket ? { EVIDENCE_BUCKET: local.evidenceBucket } : {}) }),
});
