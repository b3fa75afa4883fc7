// console: The approvals' deciding point: decides held actions (Slack, CLI, web console) and publishes them exactly once; publishes those whose deadline passed
// Topology, RBAC, the deploy plan and `npm start` are derived from this descriptor.
import { Topics } from "@riposte/contracts";
import { DEFAULT_RUNTIME, type ServiceDescriptor } from "@riposte/service-kit";
import { consoleEnv } from "./config.js";

export const consoleDescriptor = {
  name: "console",
  description:
    "The approvals' deciding point: decides held actions (Slack, CLI, web console) and publishes them exactly once; publishes those whose deadline passed",
  // `npm start` serves it on RIPOSTE_PORT_BASE + this; chosen by the generator, never reused.
  localPortOffset: 9,
  inputs: [{ topic: "console", path: "/", accepts: ["Console"] }],
  // It gets publisher on exactly these topics; add the ones it publishes to.
  publishes: [Topics.quarantine],
  // Kubernetes verbs it needs (each becomes a ClusterRole rule) and GCP roles it needs, with why.
  kubernetes: [],
  gcpRoles: [],
  env: consoleEnv,
  runtime: DEFAULT_RUNTIME,
} satisfies ServiceDescriptor<typeof consoleEnv>;

export default consoleDescriptor;
