// Test helpers for the actioners: commands built from the shipped example alerts (as the router
// would build them), and runner dependencies pointed at a simulated cluster.
import { readFileSync } from "node:fs";
import {
  ACTION_KINDS,
  type ActionName,
  Command,
  type CommandInput,
  parseFalcoAlert,
  summarizeAlert,
} from "@riposte/falco-event";
import { createMemoryPublisher, type MemoryPublisher } from "@riposte/service-kit/testing";
import type { ActionRunnerDeps } from "./action.js";
import { createClusterRegistry } from "./cluster.js";
import { createLimiter, type LimitRule } from "./limits.js";
import { DEFAULT_PROTECTED_NAMESPACES } from "./policy.js";

const EXAMPLES = new URL("../../../examples/", import.meta.url);

export interface CommandOptions {
  /** Changes to the example's top-level keys / output fields before parsing. */
  top?: Record<string, unknown>;
  fields?: Record<string, unknown>;
  /** Output fields to remove (e.g. k8s.pod.name, to force resolution by container id). */
  drop?: string[];
  params?: Record<string, unknown>;
  dryRun?: boolean;
  safety?: Record<string, unknown>;
}

/** A validated command of `action` for an example alert, as the router would publish it. */
export function commandFromExample<A extends ActionName>(
  action: A,
  file: string,
  options: CommandOptions = {},
) {
  const raw = JSON.parse(readFileSync(new URL(file, EXAMPLES), "utf8")) as Record<string, unknown> & {
    output_fields: Record<string, unknown>;
  };
  const fields = { ...raw.output_fields, ...options.fields };
  for (const key of options.drop ?? []) delete fields[key];
  const parsed = parseFalcoAlert(JSON.stringify({ ...raw, ...options.top, output_fields: fields }));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error.path}: ${parsed.error.message}`);
  const input = {
    v: 1,
    kind: ACTION_KINDS[action].kind,
    incident: parsed.alert.incidentKey,
    alert: summarizeAlert(parsed.alert),
    target: parsed.alert.target,
    params: options.params ?? {},
    dryRun: options.dryRun ?? false,
    playbooks: ["test"],
    ...(options.safety ? { safety: options.safety } : {}),
    issuedAt: new Date().toISOString(),
  } as CommandInput;
  return Command.parse(input) as Extract<Command, { kind: (typeof ACTION_KINDS)[A]["kind"] }>;
}

/** Runner deps against a cluster URL, with an in-memory publisher to read outcomes from. */
export function runnerDepsForTest(
  service: string,
  clusterUrl: string,
  options: { limits?: readonly LimitRule[]; dryRun?: boolean; token?: string } = {},
): ActionRunnerDeps & { publisher: MemoryPublisher } {
  return {
    service,
    registry: createClusterRegistry({
      local: { kind: "server", server: clusterUrl, ...(options.token ? { token: options.token } : {}) },
    }),
    basePolicy: {
      protectedNamespaces: [...DEFAULT_PROTECTED_NAMESPACES],
      allowDaemonSetPods: false,
      allowMirrorPods: false,
    },
    limiter: createLimiter(options.limits ?? []),
    dryRun: options.dryRun ?? false,
    publisher: createMemoryPublisher(),
    callTimeoutMs: 5_000,
  };
}
