// The router: reads Falco alerts from falco-events and publishes one command per action to the actioners.
import { Topics } from "@riposte/falco-event";
import { DEFAULT_RUNTIME, envBoolean, type ServiceDescriptor } from "@riposte/service-kit";
import { z } from "zod";

export const routerEnv = z.object({
  PLAYBOOKS_FILE: z
    .string()
    .optional()
    .describe("YAML playbook file; the shipped default playbooks when unset."),
  DEDUP_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(60)
    .describe("The same incident within this many seconds is routed once per instance."),
  CLUSTER_FIELD: z
    .string()
    .min(1)
    .default("cluster")
    .describe("Output field naming the cluster (falcosidekick customfields)."),
  DRY_RUN: envBoolean
    .default(false)
    .describe("Every command is sent as dry-run: actioners report what they would do and change nothing."),
});

export const routerDescriptor = {
  name: "router",
  description: "Parses Falco alerts, evaluates playbooks and sends one command per action",
  inputs: [{ topic: Topics.falcoEvents, path: "/", accepts: ["FalcoAlert"] }],
  publishes: [
    Topics.podKiller,
    Topics.isolator,
    Topics.tainter,
    Topics.notifier,
    Topics.sccExporter,
    Topics.quarantine,
  ],
  kubernetes: [],
  gcpRoles: [],
  env: routerEnv,
  // The first hop of every response: keep one instance warm.
  runtime: { ...DEFAULT_RUNTIME, minInstances: 1 },
} satisfies ServiceDescriptor<typeof routerEnv>;
export default routerDescriptor;
