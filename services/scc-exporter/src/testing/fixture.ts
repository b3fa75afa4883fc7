// Test fixture for the scc-exporter tests against the SCC stand-in: one stand-in per test file, the real
// client talking gRPC to it, and the app wired to that client with a memory publisher.
import { createSilentLogger } from "@riposte/service-kit";
import { createMemoryPublisher } from "@riposte/service-kit/testing";
import { startSccStandin } from "@riposte/standins";
import { afterAll, beforeEach } from "vitest";
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
  return { standin, scc };
}

/** The scc-exporter app writing findings through `scc`; its outcomes land in `publisher`. */
export function exporterApp(scc: SccApi, options: Omit<SccExporterDeps, "push" | "publisher" | "scc">) {
  const publisher = createMemoryPublisher();
  const app = createApp({
    push: { service: "scc-exporter", publisher, logger: createSilentLogger() },
    publisher,
    scc,
    ...options,
  });
  return { app, publisher };
}
