import { type ActionerDeps, createActionerApp } from "@riposte/actioner-kit";
import { taintNode } from "./action.js";

export { type LiftRequest, type LiftResult, liftTaint } from "./lift.js";
export { taintNode };
/** The service's app, for tests that drive it in process. */
export const createApp = (deps: ActionerDeps) => createActionerApp(taintNode, deps);
