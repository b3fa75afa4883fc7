import { type ActionerDeps, createActionerApp } from "@riposte/actioner-kit";
import { capture } from "./action.js";

export { capture };
/** The service's app, for tests that drive it in process. */
export const createApp = (deps: ActionerDeps) => createActionerApp(capture, deps);
