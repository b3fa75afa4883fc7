// Entry point: wires real dependencies and listens. Everything testable lives in app.ts and action.ts.
import "./instrument.js";
import { runnerDepsFromKit } from "@riposte/k8s-response";
import { startService } from "@riposte/service-kit";
import { killPod } from "./action.js";
import { createApp } from "./app.js";
import { podKillerDescriptor } from "./descriptor.js";

await startService(podKillerDescriptor, (kit) =>
  createApp({ push: kit.push, runner: runnerDepsFromKit(killPod, kit, podKillerDescriptor.name) }),
);
