// openLedger, the one way a service opens the ledger at start: warmed up now, closed at shutdown, and
// a ledger out of reach is logged, not fatal (requests answer 503 until it is back).
import { freePort } from "@riposte/service-kit/testing";
import { describe, expect, inject, it } from "vitest";
import { openLedger } from "./config.js";
import { createLedger } from "./ledger.js";
import { incidentKey, uniqueProjectId } from "./test-support.js";

const configFor = (host: string, timeoutMs = 30_000) => ({
  LEDGER_PROJECT: uniqueProjectId(),
  LEDGER_DATABASE: "(default)",
  LEDGER_TIMEOUT_MS: timeoutMs,
  LEDGER_TTL_DAYS: 90,
  FIRESTORE_EMULATOR_HOST: host,
});

function opening() {
  const hooks: (() => Promise<void>)[] = [];
  const warnings: string[] = [];
  return {
    hooks,
    warnings,
    onShutdown: (hook: () => Promise<void>) => hooks.push(hook),
    logger: { warn: (_fields: Record<string, unknown>, message: string) => warnings.push(message) },
    requests: "alerts",
  };
}

describe("openLedger", { timeout: 60_000 }, () => {
  it("opens a warmed-up ledger and closes its client at shutdown", async () => {
    const service = opening();
    const ledger = await openLedger(configFor(inject("firestoreEmulatorHost")), createLedger, service);
    expect(service.warnings).toEqual([]);
    expect(service.hooks).toHaveLength(1);
    await ledger.recordTraceId(incidentKey(), "trace-1");
    await service.hooks[0]?.();
    // The client is closed: a call after shutdown fails instead of holding the process open.
    await expect(ledger.recordTraceId(incidentKey(), "trace-2")).rejects.toThrow();
  });

  it("out of reach at start: logged, not thrown; the service starts and answers 503 until it is back", async () => {
    const service = opening();
    const ledger = await openLedger(configFor(`127.0.0.1:${await freePort()}`, 1_000), createLedger, service);
    expect(ledger).toBeDefined();
    expect(service.warnings).toEqual(["the ledger is out of reach: alerts answer 503 until it is back"]);
  });
});
