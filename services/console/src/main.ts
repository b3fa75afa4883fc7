// Entry point: wires real dependencies and listens. Everything testable lives in app.ts.
import "./instrument.js";
import { RetryableError, startService } from "@riposte/service-kit";
import { createApp } from "./app.js";
import { consoleDescriptor } from "./descriptor.js";

await startService(consoleDescriptor, ({ push }) =>
  createApp({
    push,
    // Until decide and runDueApprovals land (issue 21): 503, so nothing is taken for done.
    runDueApprovals: async () => {
      throw new RetryableError("approvals are not wired yet");
    },
  }),
);
