// createApp: TaintNode commands in, the change and an ActionOutcome out.
import { TaintNodeCommand } from "@riposte/falco-event";
import { type ActionRunnerDeps, createActionHandler } from "@riposte/k8s-response";
import { createPushApp, jsonMessageDecoder, type PushAppOptions, pushRoute } from "@riposte/service-kit";
import { taintNode } from "./action.js";

export interface TainterDeps {
  push: Omit<PushAppOptions, "routes">;
  runner: ActionRunnerDeps;
}

export function createApp(deps: TainterDeps) {
  return createPushApp({
    ...deps.push,
    routes: [
      pushRoute("/", jsonMessageDecoder(TaintNodeCommand), createActionHandler(taintNode, deps.runner)),
    ],
  });
}
