export { killPod } from "./action.js";
export { createApp, type PodKillerDeps } from "./app.js";
export { podKillerDescriptor } from "./descriptor.js";
