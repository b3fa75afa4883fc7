// Running services as local processes: shared by `riposte dev` and the end-to-end tests.
export { colorFor, formatLogLine, makeVisible } from "./log-format.js";
export {
  type RunningChild,
  type SpawnOptions,
  spawnService,
  stopChild,
  waitUntilHealthy,
} from "./service-process.js";
