// createApp: KillPod commands in, a deletion and an ActionOutcome out.
import { KillPodCommand } from "@riposte/falco-event";
import { type ActionRunnerDeps, createActionHandler } from "@riposte/k8s-response";
import { createPushApp, jsonMessageDecoder, type PushAppOptions, pushRoute } from "@riposte/service-kit";
import { killPod } from "./action.js";

export interface PodKillerDeps {
  push: Omit<PushAppOptions, "routes">;
  runner: ActionRunnerDeps;
}

export function createApp(deps: PodKillerDeps) {
  return createPushApp({
    ...deps.push,
    routes: [pushRoute("/", jsonMessageDecoder(KillPodCommand), createActionHandler(killPod, deps.runner))],
  });
}
