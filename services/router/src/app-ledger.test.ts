// Dedup across instances and restarts (issue 18): routers share the incident ledger, so the first to
// claim an incident routes it and every other instance — or a restarted one — acks it as a duplicate.
import { createSilentLogger } from "@riposte/service-kit";
import { createMemoryPublisher, freePort, pushRequest } from "@riposte/service-kit/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { DEFAULT_PLAYBOOKS_YAML } from "./playbooks/default-playbooks.js";
import { parsePlaybooks } from "./playbooks/load.js";
import { exampleText } from "./test-alerts.js";
import { ledgerForTest, uniqueLedgerProject } from "./test-ledger.js";

const critical = exampleText("sidekick-critical-drop-exec.json");

/** One router instance: its own app, publisher and ledger client, on the project's ledger. */
function routerInstance(
  project: string,
  publisher = createMemoryPublisher(),
  ledger = ledgerForTest(project),
) {
  const app = createApp({
    push: { service: "router", publisher, logger: createSilentLogger() },
    publisher,
    ledger,
    playbooks: parsePlaybooks(DEFAULT_PLAYBOOKS_YAML),
    dedupWindowSeconds: 60,
    clusterField: "cluster",
    dryRun: false,
  });
  return { app, publisher };
}

beforeAll(() => ledgerForTest().warmUp(), 60_000);

describe("router dedup through the ledger", () => {
  it("two instances receiving the same alert at the same moment publish one set of commands", async () => {
    const project = uniqueLedgerProject();
    const publisher = createMemoryPublisher();
    const [first, second] = [routerInstance(project, publisher), routerInstance(project, publisher)];
    const responses = await Promise.all([
      first.app.request("/", pushRequest(critical, {}, { messageId: "m-1" })),
      second.app.request("/", pushRequest(critical, {}, { messageId: "m-2" })),
    ]);
    expect(responses.map((response) => response.status)).toEqual([204, 204]);
    expect(publisher.on("pod-killer")).toHaveLength(1);
    expect(first.app.stats.duplicates + second.app.stats.duplicates).toBe(1);
  });

  it("a redelivery after the first delivery failed to publish is routed, by another instance too", async () => {
    const project = uniqueLedgerProject();
    const publisher = createMemoryPublisher();
    const [first, second] = [routerInstance(project, publisher), routerInstance(project, publisher)];
    publisher.failNext(5); // every command of the first routing
    const message = { messageId: "m-1" };
    expect((await first.app.request("/", pushRequest(critical, {}, message))).status).toBe(503);
    expect((await second.app.request("/", pushRequest(critical, {}, message))).status).toBe(204);
    expect(publisher.on("pod-killer")).toHaveLength(1);
    expect(second.app.stats.routed).toBe(1);
  });

  it("a restarted router receiving the same alert within the window acks it as a duplicate", async () => {
    const project = uniqueLedgerProject();
    const before = routerInstance(project);
    expect((await before.app.request("/", pushRequest(critical))).status).toBe(204);
    const restarted = routerInstance(project);
    expect((await restarted.app.request("/", pushRequest(critical))).status).toBe(204);
    expect(restarted.publisher.published).toHaveLength(0);
    expect(restarted.app.stats.duplicates).toBe(1);
  });

  it("answers 503 and publishes nothing while the ledger is out of reach (fail closed)", async () => {
    const unreachable = ledgerForTest(uniqueLedgerProject(), {
      emulatorHost: `127.0.0.1:${await freePort()}`,
      timeoutMs: 1_000,
    });
    const router = routerInstance("unused", createMemoryPublisher(), unreachable);
    const response = await router.app.request("/", pushRequest(critical));
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/could not claim the incident in the ledger/);
    expect(router.publisher.published).toHaveLength(0);
  });
});
