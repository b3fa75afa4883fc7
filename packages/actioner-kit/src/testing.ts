// Test helpers for the actioners: runner dependencies pointed at a simulated cluster and at the run's
// real Firestore emulator, and commands built from the shipped example alerts.
import { randomBytes } from "node:crypto";
import { createLedgerFirestore } from "@riposte/ledger";
import { createMemoryPublisher, type MemoryPublisher } from "@riposte/service-kit/testing";
import { inject } from "vitest";
import { type ActionerLedger, type ActionRunnerDeps, createActionerLedger } from "./action.js";
import { createClusterRegistry } from "./cluster.js";
import type { LimitRule } from "./limits.js";
import { DEFAULT_PROTECTED_NAMESPACES } from "./policy.js";

/** Commands from the examples live with the message contracts; re-exported for the actioners' tests. */
export { type CommandOptions, commandFromExample } from "@riposte/contracts/testing";

/**
 * The actioner's ledger on the run's Firestore emulator (service-kit's Firestore global setup), in a
 * project of its own unless one is given: runners given the same project are instances of one service.
 */
export function ledgerForTest(
  projectId = `actioner-test-${randomBytes(4).toString("hex")}`,
  options: { emulatorHost?: string; timeoutMs?: number } = {},
): ReturnType<typeof createActionerLedger> {
  const firestore = createLedgerFirestore({
    projectId,
    emulatorHost: options.emulatorHost ?? inject("firestoreEmulatorHost"),
  });
  // A worker's first Firestore call loads the client and sets up its channel: seconds on a loaded machine.
  return createActionerLedger({ firestore, timeoutMs: options.timeoutMs ?? 30_000 });
}

/** Runner deps against a cluster URL, with an in-memory publisher to read outcomes from. */
export function runnerDepsForTest(
  service: string,
  clusterUrl: string,
  options: {
    limits?: readonly LimitRule[];
    dryRun?: boolean;
    token?: string;
    /** Default: a ledger in a project of its own (see ledgerForTest). */
    ledger?: ActionerLedger;
  } = {},
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
    ledger: options.ledger ?? ledgerForTest(),
    limits: options.limits ?? [],
    dryRun: options.dryRun ?? false,
    publisher: createMemoryPublisher(),
    callTimeoutMs: 5_000,
  };
}
