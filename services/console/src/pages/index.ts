// The console's pages (issue 21): incidents, one incident's timeline, approvals, quarantines.
export {
  type ConsolePagesConfig,
  ConsolePagesEnv,
  consolePagesProblems,
  consolePagesSettings,
} from "./config.js";
export { CSRF_COOKIE, CSRF_FIELD } from "./csrf.js";
export {
  type ConsolePagesDeps,
  cloudLinks,
  LOCAL_LINKS,
  type PageDecision,
  type PageDecisionResult,
  type PageLinks,
  type PagesLedger,
} from "./deps.js";
export { consolePages, type PagesEnv } from "./routes.js";
