// createApp: IsolatePod commands in, the change and an ActionOutcome out.
import { IsolatePodCommand } from "@riposte/falco-event";
import { type ActionRunnerDeps, createActionHandler } from "@riposte/k8s-response";
import { createPushApp, jsonMessageDecoder, type PushAppOptions, pushRoute } from "@riposte/service-kit";
import { isolatePod } from "./action.js";

export interface IsolatorDeps {
  push: Omit<PushAppOptions, "routes">;
  runner: ActionRunnerDeps;
}

export function createApp(deps: IsolatorDeps) {
  return createPushApp({
    ...deps.push,
    routes: [
      pushRoute("/", jsonMessageDecoder(IsolatePodCommand), createActionHandler(isolatePod, deps.runner)),
    ],
  });
}
