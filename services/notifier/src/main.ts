// Entry point: reads the destinations, wires real dependencies and listens. Everything testable lives
// in app.ts.
import "./instrument.js";
import { createLedger, openLedger } from "@riposte/ledger";
import { startService } from "@riposte/service-kit";
import { cloudTraceProject } from "@riposte/service-kit/gcp";
import { createApp } from "./app.js";
import { destinationsFromConfig } from "./config.js";
import { notifierDescriptor } from "./descriptor.js";

/** Cloud Run allows 10 s after SIGTERM; the kit's grace takes most of it. */
const SHUTDOWN_FLUSH_MS = 1_500;

await startService(notifierDescriptor, async (kit) => {
  const { config } = kit;
  const destinations = destinationsFromConfig(config);
  const traceProjectId = cloudTraceProject();
  const ledger = await openLedger(config, createLedger, { ...kit, requests: "pushes" });
  const app = createApp({
    push: kit.push,
    publisher: kit.publisher,
    destinations,
    ledger,
    links: {
      ...(traceProjectId ? { traceProjectId } : {}),
      ...(config.SCC_SOURCE_NAME
        ? {
            scc: {
              sourceName: config.SCC_SOURCE_NAME,
              ...(config.SCC_LOCATION ? { location: config.SCC_LOCATION } : {}),
              ...(config.SCC_PARENT_SCOPE ? { parentScope: config.SCC_PARENT_SCOPE } : {}),
            },
          }
        : {}),
    },
    settings: {
      stormWindowMs: config.STORM_WINDOW_SECONDS * 1000,
      outcomeGraceMs: config.OUTCOME_GRACE_MS,
      memoryTtlMs: config.DELIVERY_MEMORY_SECONDS * 1000,
      maxIncidents: config.DELIVERY_MEMORY_MAX_INCIDENTS,
      quietOutcomes: new Set(config.FOLLOW_UP_QUIET),
    },
    delivery: { maxAttempts: config.DELIVERY_MAX_ATTEMPTS, attemptTimeoutMs: config.DELIVERY_TIMEOUT_MS },
  });
  // Storm windows this instance opened: summarised on the way out rather than a minute late by the
  // scheduled call (which sends them if this does not finish). Hooks run last-registered first, so
  // this runs before openLedger's closes the ledger's client.
  kit.onShutdown(async () => {
    await app.notifier.flush(SHUTDOWN_FLUSH_MS);
    await app.notifier.dispose();
  });
  kit.logger.info(
    {
      destinations: destinations.all.map((d) => ({
        name: d.name,
        type: d.type,
        minPriority: d.minPriority,
        default: destinations.defaults.includes(d),
      })),
      stormWindowSeconds: config.STORM_WINDOW_SECONDS,
    },
    `notifying ${destinations.all.map((d) => d.name).join(", ")}`,
  );
  return app;
});
