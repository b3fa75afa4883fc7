export { type ConsoleDeps, type ConsoleRoutes, createApp } from "./app.js";
export { type ConsoleConfig, consoleEnv } from "./config.js";
export { consoleDescriptor } from "./descriptor.js";
export { APPROVALS_PATH, APPROVALS_SCHEDULE } from "./scheduled.js";
