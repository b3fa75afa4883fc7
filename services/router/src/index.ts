export { createApp, type RouterDeps, type RouterLedger } from "./app.js";
export {
  buildCommands,
  decide,
  type PlannedAction,
  type PlaybookOutcome,
  type RoutingDecision,
} from "./decide.js";
export { routerDescriptor } from "./descriptor.js";
export { DEFAULT_PLAYBOOKS_YAML } from "./playbooks/default-playbooks.js";
export { loadPlaybookFile, PlaybookError, parsePlaybooks } from "./playbooks/load.js";
export type { CompiledPlaybook, FailedCondition } from "./playbooks/match.js";
export { camelToSnake, snakeToCamel } from "./playbooks/schema.js";
