import { type ActionerDeps, createActionerApp } from "@riposte/actioner-kit";
import { isolatePod } from "./action.js";

export { type ReleaseResult, releaseQuarantine } from "./release.js";
export { isolatePod };
/** The service's app, for tests that drive it in process. */
export const createApp = (deps: ActionerDeps) => createActionerApp(isolatePod, deps);
