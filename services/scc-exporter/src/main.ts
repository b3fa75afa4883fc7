// Entry point: builds the real SCC client, checks the source exists, and serves. Logic lives in app.ts.
import "./instrument.js";
import { createLedger, openLedger } from "@riposte/ledger";
import { startService } from "@riposte/service-kit";
import { cloudTraceProject } from "@riposte/service-kit/gcp";
import { createApp } from "./app.js";
import { sccExporterDescriptor } from "./descriptor.js";
import { createSccApi } from "./scc-client.js";
import { findingsLocation } from "./scc-names.js";
import { verifySource } from "./verify-source.js";

await startService(sccExporterDescriptor, async ({ config, push, publisher, logger, onShutdown }) => {
  const where = findingsLocation({
    source: config.SCC_SOURCE_NAME,
    scope: config.SCC_PARENT_SCOPE,
    location: config.SCC_LOCATION,
  });
  const scc = createSccApi({ endpoint: config.SCC_ENDPOINT, timeoutMs: config.SCC_TIMEOUT_MS });
  onShutdown(() => scc.close());
  if (config.SCC_VERIFY_SOURCE) await verifySource(scc, where.source, logger);
  logger.info(
    { parent: where.parent, endpoint: config.SCC_ENDPOINT ?? "securitycenter.googleapis.com" },
    `writing findings under ${where.parent}`,
  );
  const ledger = await openLedger(config, createLedger, { onShutdown, logger, requests: "exports" });
  return createApp({
    push,
    publisher,
    scc,
    ledger,
    where,
    clusters: config.CLUSTERS,
    markInactiveAfterKill: config.MARK_INACTIVE_AFTER_KILL,
    traceProjectId: cloudTraceProject(),
  });
});
