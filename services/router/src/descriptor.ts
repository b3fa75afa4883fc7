// The router: reads Falco alerts from falco-events and publishes one command per action to the actioners.
import { ACTIONS, Topics } from "@riposte/contracts";
import { DEFAULT_RUNTIME, RESPONDER_REDELIVERY, type ServiceDescriptor } from "@riposte/service-kit";
import { routerEnv } from "./config.js";

export const routerDescriptor = {
  name: "router",
  description: "Parses Falco alerts, evaluates playbooks and sends one command per action",
  localPortOffset: 0,
  inputs: [{ topic: Topics.falcoEvents, path: "/", accepts: ["FalcoAlert"] }],
  // One command per action, to its service's topic; alerts nobody can parse to quarantine.
  publishes: [...Object.values(ACTIONS).map((action) => action.topic), Topics.quarantine],
  kubernetes: [],
  gcpRoles: [],
  env: routerEnv,
  runtime: {
    ...DEFAULT_RUNTIME,
    // The first hop of every response: keep one instance warm.
    minInstances: 1,
    // A failed publish is retried within a second, and for ~14 min before the alert dead-letters.
    redelivery: RESPONDER_REDELIVERY,
  },
} satisfies ServiceDescriptor<typeof routerEnv>;
export default routerDescriptor;
