// Test fixture for the scc-exporter tests against the SCC stand-in: one stand-in per test file, the real
// client talking gRPC to it, and the app wired to that client with a memory publisher.
import { createLedger, createLedgerFirestore, type Ledger } from "@riposte/ledger";
import { createSilentLogger } from "@riposte/service-kit";
import { createMemoryPublisher } from "@riposte/service-kit/testing";
import { startSccStandin } from "@riposte/standins";
import { afterAll, beforeAll, beforeEach, inject } from "vitest";
import { createApp, type SccExporterDeps } from "../app.js";
import { createSccApi, type SccApi } from "../scc-client.js";

/**
 * Starts the file's SCC stand-in and a client for it; the stand-in is emptied before each test, both
 * closed after the file. Call it with top-level await, so tests hold them rather than variables set later.
 */
export async function useSccStandin() {
  const standin = await startSccStandin();
  const scc = createSccApi({ endpoint: standin.address, timeoutMs: 5_000 });
  afterAll(async () => {
    await scc.close();
    await standin.close();
  });
  beforeEach(() => standin.reset());
  // The ledger's first call sets up its channel (seconds on a loaded machine): not in a test's time.
  beforeAll(() => testFileLedger().warmUp(), 30_000);
  return { standin, scc };
}

let fileLedger: Ledger | undefined;

/** This test file's ledger, on the run's Firestore emulator (a project of its own per file). */
export function testFileLedger(): Ledger {
  if (fileLedger) return fileLedger;
  const firestore = createLedgerFirestore({
    projectId: `scc-exporter-${Math.random().toString(36).slice(2, 10)}`,
    emulatorHost: inject("firestoreEmulatorHost"),
  });
  afterAll(() => firestore.terminate());
  fileLedger = createLedger({ firestore, timeoutMs: 30_000 });
  return fileLedger;
}

/** The scc-exporter app writing findings through `scc`; its outcomes land in `publisher`. */
export function exporterApp(
  scc: SccApi,
  options: Omit<SccExporterDeps, "push" | "publisher" | "scc" | "ledger"> &
    Partial<Pick<SccExporterDeps, "ledger">>,
) {
  const publisher = createMemoryPublisher();
  const app = createApp({
    push: { service: "scc-exporter", publisher, logger: createSilentLogger() },
    publisher,
    scc,
    ledger: testFileLedger(),
    ...options,
  });
  return { app, publisher };
}
