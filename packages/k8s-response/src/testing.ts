// Test helpers for the actioners: runner dependencies pointed at a simulated cluster, and commands
// built from the shipped example alerts.
import { createMemoryPublisher, type MemoryPublisher } from "@riposte/service-kit/testing";
import type { ActionRunnerDeps } from "./action.js";
import { createClusterRegistry } from "./cluster.js";
import { createLimiter, type LimitRule } from "./limits.js";
import { DEFAULT_PROTECTED_NAMESPACES } from "./policy.js";

/** Commands from the examples live with the message contracts; re-exported for the actioners' tests. */
export { type CommandOptions, commandFromExample } from "@riposte/falco-event/testing";

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
