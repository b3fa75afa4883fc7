// Entry point: wires real dependencies and listens. Everything testable lives in app.ts.
import "./instrument.js";
import { createLedger, ledgerFromConfig } from "@riposte/ledger";
import { startService } from "@riposte/service-kit";
import { createApp } from "./app.js";
import { routerDescriptor } from "./descriptor.js";
import { loadConfiguredPlaybooks, playbookSourceLog } from "./playbooks/source.js";

await startService(routerDescriptor, async ({ config, logger, push, publisher, onShutdown }) => {
  const source = loadConfiguredPlaybooks(config);
  const { fields, message } = playbookSourceLog(source);
  logger.info(fields, message);
  const connection = ledgerFromConfig(config);
  const ledger = createLedger(connection);
  onShutdown(() => connection.firestore.terminate());
  // The first call sets up the client's channel (seconds): before the first alert, not during it.
  // Not fatal: without the ledger every alert answers 503 until it is back (fail closed).
  await ledger
    .warmUp()
    .catch((error: unknown) =>
      logger.warn(
        { error: (error as Error).message },
        "the ledger is out of reach: alerts answer 503 until it is back",
      ),
    );
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
