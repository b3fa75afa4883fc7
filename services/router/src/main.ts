// Entry point: wires real dependencies and listens. Everything testable lives in app.ts.
import "./instrument.js";
import { createLedger, openLedger } from "@riposte/ledger";
import { startService } from "@riposte/service-kit";
import { createApp } from "./app.js";
import { routerDescriptor } from "./descriptor.js";
import { loadConfiguredPlaybooks, playbookSourceLog } from "./playbooks/source.js";

await startService(routerDescriptor, async ({ config, logger, push, publisher, onShutdown }) => {
  const source = loadConfiguredPlaybooks(config);
  const { fields, message } = playbookSourceLog(source);
  logger.info(fields, message);
  const ledger = await openLedger(config, createLedger, { onShutdown, logger, requests: "alerts" });
  return createApp({
    push,
    publisher,
    ledger,
    playbooks: source.playbooks,
    dedupWindowSeconds: config.DEDUP_WINDOW_SECONDS,
    clusterField: config.CLUSTER_FIELD,
    dryRun: config.DRY_RUN,
  });
});
