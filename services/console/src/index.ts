export { type ConsoleDeps, createApp } from "./app.js";
export { type ConsoleConfig, consoleEnv } from "./config.js";
export { consoleDescriptor } from "./descriptor.js";
export { ConsoleMessage } from "./message.js";
