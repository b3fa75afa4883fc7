// console: where held actions are decided (Slack, the CLI, the web console) and published exactly once,
// and where the deadline rule releases or abandons those nobody decided. It reads no topic: people and
// Cloud Scheduler call it. Topology, RBAC, the deploy plan and `npm start` are derived from this descriptor.
import { ACTIONS, APPROVABLE_ACTIONS, Topics } from "@riposte/contracts";
import { DEFAULT_RUNTIME, type ServiceDescriptor } from "@riposte/service-kit";
import { consoleEnv } from "./config.js";
import { APPROVALS_PATH, APPROVALS_SCHEDULE } from "./scheduled.js";

/** The held actions' topics (an approved command goes where the router would have sent it). */
const HELD_TOPICS = [...new Set(APPROVABLE_ACTIONS.map((action) => ACTIONS[action].topic))];

export const consoleDescriptor = {
  name: "console",
  description:
    "Decides held actions (Slack, the CLI, the web console) and publishes each exactly once; applies their deadlines",
  // `npm start` serves it on RIPOSTE_PORT_BASE + this; chosen by the generator, never reused.
  localPortOffset: 9,
  // No Pub/Sub input: approvals are asked for in the ledger (by the router), not on a topic.
  inputs: [],
  // Deadlines are enforced, and publishes a decider could not finish are retried, every minute.
  scheduled: [{ path: APPROVALS_PATH, ...APPROVALS_SCHEDULE }],
  // An approved command to its action's topic; a denied or abandoned one as a refused outcome.
  publishes: [...HELD_TOPICS, Topics.actionOutcomes],
  kubernetes: [],
  gcpRoles: [],
  env: consoleEnv,
  runtime: DEFAULT_RUNTIME,
} satisfies ServiceDescriptor<typeof consoleEnv>;

export default consoleDescriptor;
