import { freePort, tcpRelay } from "@riposte/service-kit/testing";
import { describe, expect, inject, it } from "vitest";
import { LedgerUnavailableError } from "./errors.js";
import type { Ledger } from "./ledger.js";
import { emulatorFirestore, incidentKey, testLedger, uniqueProjectId } from "./test-support.js";

const TIMEOUT_MS = 2_000;
const BOUND_MS = TIMEOUT_MS + 1_500;

const everyCall: Record<string, (ledger: Ledger) => Promise<unknown>> = {
  claimIncident: (ledger) =>
    ledger.claimIncident(incidentKey(), { playbooks: [], actions: [] }, { dedupWindowMs: 60_000 }),
  takeObjectSlots: (ledger) =>
    ledger.takeObjectSlots({
      limits: [{ limit: "pod kills|c1", windowMs: 60_000, max: 2 }],
      holder: "kill-pod|Pod|shop|web-1|uid-1",
      incident: incidentKey(),
      action: "kill-pod",
    }),
  recordActionOutcome: (ledger) =>
    ledger.recordActionOutcome(incidentKey(), "kill-pod", {
      service: "pod-killer",
      result: "done",
      reason: "ok",
    }),
  readIncident: (ledger) => ledger.readIncident(incidentKey()),
};

async function expectUnavailableWithinBound(call: Promise<unknown>): Promise<void> {
  const started = performance.now();
  await expect(call).rejects.toBeInstanceOf(LedgerUnavailableError);
  expect(performance.now() - started).toBeLessThan(BOUND_MS);
}

// The clients here are not terminated: terminate() waits for the client's own retries of the calls
// that timed out, and rejects them where the library leaves them unhandled.
describe("Firestore unreachable", { timeout: 60_000 }, () => {
  it("after the emulator answered and then stopped: LedgerUnavailableError, not a hang", async () => {
    const relay = await tcpRelay(inject("firestoreEmulatorHost"));
    const firestore = emulatorFirestore(uniqueProjectId(), relay.host);
    // The first call sets up the channel (seconds on a loaded machine): test-support's deadline for it.
    const answered = testLedger(firestore);
    await answered.warmUp();
    await answered.recordTraceId(incidentKey(), "trace");
    const ledger = testLedger(firestore, { timeoutMs: TIMEOUT_MS });

    await relay.close();
    for (const call of Object.values(everyCall)) await expectUnavailableWithinBound(call(ledger));
  });

  it("when it never answered at all", async () => {
    const firestore = emulatorFirestore(uniqueProjectId(), `127.0.0.1:${await freePort()}`);
    const ledger = testLedger(firestore, { timeoutMs: TIMEOUT_MS });
    await expectUnavailableWithinBound(ledger.warmUp());
    for (const call of Object.values(everyCall)) await expectUnavailableWithinBound(call(ledger));
  });
});
