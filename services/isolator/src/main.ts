// Entry point: wires real dependencies and listens. Everything testable lives in app.ts and action.ts.
import "./instrument.js";
import { runnerDepsFromKit } from "@riposte/k8s-response";
import { startService } from "@riposte/service-kit";
import { isolatePod } from "./action.js";
import { createApp } from "./app.js";
import { isolatorDescriptor } from "./descriptor.js";

await startService(isolatorDescriptor, (kit) =>
  createApp({ push: kit.push, runner: runnerDepsFromKit(isolatePod, kit, isolatorDescriptor.name) }),
);
