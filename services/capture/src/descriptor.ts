// capture: runs capture (action.ts). Its name, topic and description come from the action and the
// catalogue (@riposte/contracts actions.ts); what is written here is what only this actioner has: the
// evidence bucket it writes to (its variables, its role on the bucket, the local stand-in). Topology,
// RBAC, the deploy plan and `npm start` are derived from it.
import { describeActioner } from "@riposte/actioner-kit";
import { capture } from "./action.js";
import { captureEnv, evidenceStoreFrom } from "./config.js";

export default describeActioner(capture, {
  // `npm start` serves it on RIPOSTE_PORT_BASE + this; chosen by the generator, never reused.
  localPortOffset: 7,
  uses: { env: captureEnv, create: (config) => evidenceStoreFrom(config) },
  buckets: [
    {
      bucket: "evidence",
      env: "EVIDENCE_BUCKET",
      // No delete, list or overwrite: an attacker who took the service could not erase evidence.
      roles: ["roles/storage.objectCreator", "roles/storage.legacyObjectReader"],
      reason:
        "creates each bundle object once (ifGenerationMatch 0); reads back what an earlier delivery stored (a 412, manifest.json on redelivery)",
    },
  ],
  localEnv: (local) => ({
    ...(local.evidenceBucket ? { EVIDENCE_BUCKET: local.evidenceBucket } : {}),
    ...(local.storageEndpoint ? { STORAGE_EMULATOR_HOST: local.storageEndpoint } : {}),
  }),
});
