// Entry point: wires real dependencies and listens. Everything testable lives in app.ts.
import "./instrument.js";
import { startService } from "@riposte/service-kit";
import { createApp } from "./app.js";
import { consoleDescriptor } from "./descriptor.js";

await startService(consoleDescriptor, ({ config, push }) => createApp({ push, dryRun: config.DRY_RUN }));
