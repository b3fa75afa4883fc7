// Test support for the approvals over the real emulators: a Firestore project of this file's own (the
// ledger), a Pub/Sub project of its own with the topics the console publishes to and a subscriber
// collecting what arrives, a clock the ledger reads (deadlines, claims), and "instances" — each its
// own Firestore client and publisher, as Slack's console and an operator's CLI are.
import { randomBytes } from "node:crypto";
import { type Command, commandSchemaFor } from "@riposte/contracts";
import { commandFromExample, uniqueAlertTime } from "@riposte/contracts/testing";
import { createLedger, createLedgerFirestore, type Ledger } from "@riposte/ledger";
import { createPubSubPublisher, createSilentLogger, type Publisher } from "@riposte/service-kit";
import { emulatorClient, tcpRelay } from "@riposte/service-kit/testing";
import { inject } from "vitest";
import type { ApprovalDeps } from "./deps.js";
import type { ApproverDirectory } from "./directory.js";

export const T0 = new Date(Date.UTC(2026, 11, 6, 12, 0, 0));
export const MINUTE = 60_000;
const TOPICS = ["pod-killer", "action-outcomes"] as const;

export interface Received {
  topic: string;
  json: Record<string, unknown>;
  attributes: Record<string, string>;
}

/** A directory that knows no group (listed approvers and local operators only). */
export const NO_GROUPS: ApproverDirectory = { isMember: async () => false };

export async function useApprovalFixture() {
  const id = randomBytes(4).toString("hex");
  const firestoreProject = `console-test-${id}`;
  const pubsubProject = `console-test-${id}`;
  const pubsubHost = inject("pubsubEmulatorHost");
  const clock = { now: T0 };
  const closers: (() => Promise<unknown>)[] = [];
  const received: Received[] = [];

  const subscriber = emulatorClient(pubsubHost, pubsubProject);
  closers.push(() => subscriber.close());
  for (const topic of TOPICS) {
    const [created] = await subscriber.createTopic(topic);
    const [subscription] = await created.createSubscription(`${topic}-seen`);
    subscription.on("message", (message) => {
      message.ack();
      received.push({
        topic,
        json: JSON.parse(message.data.toString()),
        attributes: { ...message.attributes },
      });
    });
    closers.unshift(() => subscription.close());
  }

  function ledgerInstance(): Ledger {
    const firestore = createLedgerFirestore({
      projectId: firestoreProject,
      emulatorHost: inject("firestoreEmulatorHost"),
    });
    closers.push(() => firestore.terminate());
    // A worker's first Firestore call sets up its channel; generous on a loaded machine.
    return createLedger({ firestore, timeoutMs: 30_000, now: () => clock.now });
  }

  function publisherTo(host: string): Publisher {
    const publisher = createPubSubPublisher({
      pubsub: emulatorClient(host, pubsubProject),
      timeoutMs: 3_000,
      // As the console's own publisher (main.ts): a publish reported failed does not land later.
      endRetriesBeforeTimeout: true,
    });
    closers.push(() => publisher.close());
    return publisher;
  }

  /** An instance: its own ledger client and publisher (through `pubsubHost`, e.g. a relay). */
  function instance(options: Partial<ApprovalDeps> & { pubsubHost?: string } = {}): ApprovalDeps {
    const { pubsubHost: host, ...deps } = options;
    return {
      ledger: ledgerInstance(),
      publisher: publisherTo(host ?? pubsubHost),
      directory: NO_GROUPS,
      acceptLocal: false,
      logger: createSilentLogger(),
      now: () => clock.now,
      ...deps,
    };
  }

  const router = ledgerInstance();
  await router.warmUp();

  /** A kill of a fresh incident, held as the router holds it. */
  async function hold(
    policy: { approvers?: string[]; onTimeout?: "proceed" | "abandon"; deadline?: Date } = {},
  ): Promise<Command> {
    const command = commandFromExample("kill-pod", "modern-terminal-shell.json", {
      top: { time: uniqueAlertTime() },
      issuedAt: clock.now.toISOString(),
    });
    await router.requestApprovals(command.incident, [
      {
        action: "kill-pod",
        deadline: policy.deadline ?? new Date(clock.now.getTime() + 15 * MINUTE),
        onTimeout: policy.onTimeout ?? "proceed",
        approvers: policy.approvers ?? ["alice@acme.com", "group:sre@acme.com"],
        command,
      },
    ]);
    return command;
  }

  /** What arrived on `topic` about `incident` so far. */
  const arrived = (topic: (typeof TOPICS)[number], incident: string) =>
    received.filter((message) => message.topic === topic && message.json.incident === incident);

  /** Waits until `count` messages about `incident` arrived on `topic`, then `settleMs` more for extra ones. */
  async function settle(topic: (typeof TOPICS)[number], incident: string, count: number, settleMs = 2_000) {
    const deadline = Date.now() + 20_000;
    while (arrived(topic, incident).length < count && Date.now() < deadline) await sleep(50);
    await sleep(settleMs);
    return arrived(topic, incident);
  }

  return {
    clock,
    router,
    instance,
    hold,
    arrived,
    settle,
    /** A TCP relay in front of the Pub/Sub emulator: close it and publishing fails, reopen and it works. */
    pubsubRelay: () => tcpRelay(pubsubHost),
    commandSchema: commandSchemaFor("KillPod"),
    async close() {
      for (const close of closers) await close().catch(() => undefined);
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
