// Test fixture for `riposte release` / `riposte untaint`: the simulated cluster, a project of its own
// on the run's Pub/Sub emulator with action-outcomes pulled, and the CLI's output captured.
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import {
  createPullSubscription,
  emulatorClient,
  type PulledMessage,
  pullMessages,
  uniqueName,
} from "@riposte/service-kit/testing";
import { afterAll, beforeAll, beforeEach, inject, vi } from "vitest";
import { main } from "./main.js";

export interface UndoFixture {
  sim: SimCluster;
  project: string;
  /** Runs the CLI against the sim and the fixture's project; exit code and what it printed. */
  run(args: string[]): Promise<{ code: number; out: string; err: string }>;
  /** The outcomes published to action-outcomes since the last call (waits up to `timeoutMs`). */
  published(options?: { count?: number; timeoutMs?: number }): Promise<PulledMessage[]>;
}

export function useUndoFixture(prefix: string): UndoFixture {
  const fixture = { project: uniqueName(prefix) } as UndoFixture & { sim: SimCluster };
  const subscription = "outcomes-seen";
  beforeAll(async () => {
    fixture.sim = await startSim({ seed: demoSeed() });
    vi.stubEnv("PUBSUB_EMULATOR_HOST", inject("pubsubEmulatorHost"));
    // `riposte release` records the release in the ledger: the run's Firestore emulator.
    vi.stubEnv("FIRESTORE_EMULATOR_HOST", inject("firestoreEmulatorHost"));
    await createPullSubscription(
      emulatorClient(inject("pubsubEmulatorHost"), fixture.project),
      "action-outcomes",
      subscription,
    );
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await fixture.sim.stop();
  });
  beforeEach(() => fixture.sim.reset());
  fixture.run = async (args) => {
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
    const error = vi.spyOn(console, "error").mockImplementation((line: string) => void err.push(line));
    try {
      const code = await main([...args, "--server", fixture.sim.url, "--project", fixture.project]);
      return { code, out: out.join("\n"), err: err.join("\n") };
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  };
  fixture.published = (options = {}) =>
    pullMessages(emulatorClient(inject("pubsubEmulatorHost"), fixture.project), subscription, {
      count: options.count ?? 1,
      timeoutMs: options.timeoutMs ?? 5_000,
    });
  return fixture;
}
