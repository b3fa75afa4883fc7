export { isolatePod } from "./action.js";
export { createApp, type IsolatorDeps } from "./app.js";
export { isolatorDescriptor } from "./descriptor.js";
export { type ReleaseResult, releaseQuarantine } from "./release.js";
