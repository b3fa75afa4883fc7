// Running services as local processes: shared by `riposte dev`, the end-to-end tests and the benchmarks.
export { colorFor, formatLogLine, makeVisible } from "./log-format.js";
export {
  type LocalRun,
  localServiceEnv,
  type RunningChild,
  type SpawnOptions,
  spawnService,
  stopChild,
  waitUntilHealthy,
} from "./service-process.js";
