import { type ActionerDeps, createActionerApp } from "@riposte/actioner-kit";
import { killPod } from "./action.js";

export { killPod };
/** The service's app, for tests that drive it in process. */
export const createApp = (deps: ActionerDeps) => createActionerApp(killPod, deps);
