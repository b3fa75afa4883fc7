// Running services as local processes: shared by `riposte dev`, the end-to-end tests and the benchmarks.
export { FIRESTORE_EMULATOR_PACKAGE, startDevFirestore } from "./firestore.js";
export { colorFor, formatLogLine, makeVisible } from "./log-format.js";
export {
  type ScheduledCall,
  type ScheduledCaller,
  scheduledCallsOf,
  startScheduledCalls,
} from "./scheduled-calls.js";
export {
  type LocalRun,
  localServiceEnv,
  type RunningChild,
  type SpawnOptions,
  spawnService,
  stopChild,
  waitUntilHealthy,
} from "./service-process.js";
export { DEV_EVIDENCE_BUCKET, type DevStorage, startDevStorage } from "./storage.js";
