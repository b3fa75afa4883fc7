import { type ActionerDeps, createActionerApp } from "@riposte/actioner-kit";
import { captureNode } from "./action.js";
import { jobResultsCall } from "./job-results.js";

export { type NodeCaptureUses, nodeCaptureUsesFrom } from "./config.js";
export { JOB_RESULTS_PATH } from "./job-results.js";
export { captureNode };
/** The service's app with its scheduled call, for tests that drive it in process. */
export const createApp = (deps: ActionerDeps) => createActionerApp(captureNode, deps, [jobResultsCall()]);
