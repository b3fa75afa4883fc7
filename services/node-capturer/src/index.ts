import { type ActionerDeps, createActionerApp } from "@riposte/actioner-kit";
import { captureNode } from "./action.js";

export { captureNode };
/** The service's app, for tests that drive it in process. */
export const createApp = (deps: ActionerDeps) => createActionerApp(captureNode, deps);
