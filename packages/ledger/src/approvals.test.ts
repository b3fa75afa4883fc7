import { type Command, TaintNodeCommand } from "@riposte/contracts";
import { commandFromExample, uniqueAlertTime } from "@riposte/contracts/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ledger } from "./ledger.js";
import { emulatorFirestore, incidentKey, testLedger, uniqueProjectId } from "./test-support.js";

const projectId = uniqueProjectId();
const routerInstance = emulatorFirestore(projectId);
const T0 = new Date("2026-12-05T10:00:00Z");
const MINUTE = 60_000;
let now = T0;
const router: Ledger = testLedger(routerInstance, { now: () => now });

beforeAll(() => router.warmUp(), 30_000);
afterAll(() => routerInstance.terminate());

/** A kill command of a fresh incident (a time no other call gives), as the router would hold it. */
function heldKill(): Command {
  return commandFromExample("kill-pod", "modern-terminal-shell.json", {
    top: { time: uniqueAlertTime() },
    fields: { "<script>": "__proto__", "a.b": "x\ny" },
    issuedAt: T0.toISOString(),
  });
}

function killRequest(command: Command, deadline = new Date(T0.getTime() + 15 * MINUTE)) {
  return {
    action: "kill-pod",
    deadline,
    onTimeout: "proceed" as const,
    approvers: ["Alice@Acme.com", "group:sre@acme.com"],
    command,
  };
}

describe("requesting approvals", { timeout: 60_000 }, () => {
  it("stores the held command and its deadline, mirrors it on the incident, and reads it back", async () => {
    now = T0;
    const held = heldKill();
    const key = held.incident;
    const deadline = new Date(T0.getTime() + 15 * MINUTE);
    const awaiting = await router.requestApprovals(key, [killRequest(held, deadline)]);
    expect(awaiting).toEqual([
      {
        action: "kill-pod",
        deadline: deadline.toISOString(),
        onTimeout: "proceed",
        approvers: ["user:alice@acme.com", "group:sre@acme.com"],
      },
    ]);
    const view = await router.readApproval(key, "kill-pod");
    expect(view).toMatchObject({
      incident: key,
      action: "kill-pod",
      state: "awaiting-approval",
      requestedAt: T0,
      deadline,
      refusals: [],
    });
    expect(view?.command).toEqual(held);
    expect(view?.decision).toBeUndefined();
    expect((await router.readIncident(key))?.actions["kill-pod"]).toEqual({
      attempts: 0,
      approval: { state: "awaiting-approval", deadline },
    });
  });

  it("a second request (a redelivered alert) keeps the first deadline and command", async () => {
    now = T0;
    const held = heldKill();
    const key = held.incident;
    const first = new Date(T0.getTime() + 15 * MINUTE);
    await router.requestApprovals(key, [killRequest(held, first)]);
    now = new Date(T0.getTime() + 5 * MINUTE);
    const later = {
      ...killRequest({ ...held, playbooks: ["other"] }, new Date(now.getTime() + 60 * MINUTE)),
      onTimeout: "abandon" as const,
    };
    const again = await router.requestApprovals(key, [later]);
    expect(again).toEqual([expect.objectContaining({ deadline: first.toISOString(), onTimeout: "proceed" })]);
    const stored = await router.readApproval(key, "kill-pod");
    expect(stored).toMatchObject({ deadline: first, requestedAt: T0, onTimeout: "proceed" });
    expect(stored?.command.playbooks).toEqual(held.playbooks);
  });

  it("holds several actions of one incident, each its own document", async () => {
    now = T0;
    const held = heldKill();
    const key = held.incident;
    const taint = TaintNodeCommand.parse({ ...held, kind: "TaintNode", params: {} });
    const awaiting = await router.requestApprovals(key, [
      killRequest(held),
      { ...killRequest(held), action: "taint-node", onTimeout: "abandon", command: taint },
    ]);
    expect(awaiting.map((entry) => [entry.action, entry.onTimeout])).toEqual([
      ["kill-pod", "proceed"],
      ["taint-node", "abandon"],
    ]);
    expect((await router.readApproval(key, "taint-node"))?.command.kind).toBe("TaintNode");
  });

  it("reads an approval nobody requested as absent", async () => {
    expect(await router.readApproval(incidentKey(), "kill-pod")).toBeUndefined();
  });
});
