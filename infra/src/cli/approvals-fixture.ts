// Test fixture for `riposte approvals` / `approve` / `deny`: a project of the test file's own on the run's
// Firestore and Pub/Sub emulators (the CLI gets it as --project; with both emulator hosts set it decides
// as local:<OS user>), the router's ledger to hold actions as the router does, a subscriber collecting
// what reaches the held action's topic and action-outcomes, and the CLI's output captured.
import { randomBytes } from "node:crypto";
import { ACTIONS, type Command, Topics } from "@riposte/contracts";
import { commandFromExample, uniqueAlertTime } from "@riposte/contracts/testing";
import { createLedger, createLedgerFirestore, type Ledger } from "@riposte/ledger";
import { emulatorClient, uniqueName } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, inject, vi } from "vitest";
import { main } from "./main.js";

export const MINUTE = 60_000;
const TOPICS = [ACTIONS["kill-pod"].topic, Topics.actionOutcomes] as const;
type Topic = (typeof TOPICS)[number];

export interface Received {
  topic: Topic;
  json: Record<string, unknown>;
}

export interface HoldOptions {
  incident?: string;
  deadline?: Date;
  approvers?: string[];
}

export interface ApprovalsFixture {
  project: string;
  router: Ledger;
  /** A kill of a fresh incident (or of `incident`), held as the router holds it, 15 minutes to decide. */
  hold(options?: HoldOptions): Promise<Command>;
  /** Runs `riposte …args --project P`: the exit code and what it printed. */
  run(...args: string[]): Promise<{ code: number; out: string; err: string }>;
  /** Runs several at once (their output interleaves: codes in order, the lines together). */
  runAll(...runs: string[][]): Promise<{ codes: number[]; out: string; err: string }>;
  arrived(topic: Topic, incident: string): Received[];
  /** Waits until `count` messages about `incident` reached `topic`, then `settleMs` more for extra ones. */
  settle(topic: Topic, incident: string, count: number, settleMs?: number): Promise<Received[]>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fresh incident key; with `prefix`, one starting with it (two keys sharing a short key). */
export const incidentKey = (prefix = "") => `${prefix}${randomBytes(16).toString("hex")}`.slice(0, 32);

export function useApprovalsFixture(prefix: string): ApprovalsFixture {
  const project = uniqueName(prefix);
  const received: Received[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  const firestore = createLedgerFirestore({
    projectId: project,
    emulatorHost: inject("firestoreEmulatorHost"),
  });
  const router = createLedger({ firestore, timeoutMs: 30_000 });

  beforeAll(async () => {
    vi.stubEnv("PUBSUB_EMULATOR_HOST", inject("pubsubEmulatorHost"));
    vi.stubEnv("FIRESTORE_EMULATOR_HOST", inject("firestoreEmulatorHost"));
    await router.warmUp();
    const pubsub = emulatorClient(inject("pubsubEmulatorHost"), project);
    closers.push(() => pubsub.close());
    for (const topic of TOPICS) {
      const [created] = await pubsub.createTopic(topic);
      const [subscription] = await created.createSubscription(`${topic}-seen`);
      subscription.on("message", (message) => {
        message.ack();
        received.push({ topic, json: JSON.parse(message.data.toString()) });
      });
      closers.unshift(() => subscription.close());
    }
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    for (const close of closers) await close().catch(() => undefined);
    await firestore.terminate();
  });

  async function capture(work: () => Promise<number[]>) {
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
    const error = vi.spyOn(console, "error").mockImplementation((line: string) => void err.push(line));
    try {
      return { codes: await work(), out: out.join("\n"), err: err.join("\n") };
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  }

  const arrived = (topic: Topic, incident: string) =>
    received.filter((message) => message.topic === topic && message.json.incident === incident);

  return {
    project,
    router,
    async hold(options = {}) {
      const example = commandFromExample("kill-pod", "modern-terminal-shell.json", {
        top: { time: uniqueAlertTime() },
      });
      const command = { ...example, incident: options.incident ?? example.incident };
      await router.requestApprovals(command.incident, [
        {
          action: "kill-pod",
          deadline: options.deadline ?? new Date(Date.now() + 15 * MINUTE),
          onTimeout: "proceed",
          approvers: options.approvers ?? ["alice@acme.com", "group:sre@acme.com"],
          command,
        },
      ]);
      return command;
    },
    async run(...args) {
      const { codes, out, err } = await capture(async () => [await main([...args, "--project", project])]);
      return { code: codes[0] as number, out, err };
    },
    runAll: (...runs) =>
      capture(() => Promise.all(runs.map((args) => main([...args, "--project", project])))),
    arrived,
    async settle(topic, incident, count, settleMs = 2_000) {
      const deadline = Date.now() + 20_000;
      while (arrived(topic, incident).length < count && Date.now() < deadline) await sleep(50);
      await sleep(settleMs);
      return arrived(topic, incident);
    },
  };
}
