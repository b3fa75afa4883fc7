// Entry point: wires real dependencies and listens. Everything testable lives in app.ts.
import "./instrument.js";
import { startService } from "@riposte/service-kit";
import { createApp } from "./app.js";
import { playbooksFilePath } from "./config.js";
import { routerDescriptor } from "./descriptor.js";
import { DEFAULT_PLAYBOOKS_YAML } from "./playbooks/default-playbooks.js";
import { loadPlaybookFile, parsePlaybooks } from "./playbooks/load.js";

await startService(routerDescriptor, ({ config, push, publisher }) => {
  const playbooksFile = playbooksFilePath(config);
  return createApp({
    push,
    publisher,
    playbooks: playbooksFile
      ? loadPlaybookFile(playbooksFile)
      : parsePlaybooks(DEFAULT_PLAYBOOKS_YAML, "default playbooks"),
    dedupWindowSeconds: config.DEDUP_WINDOW_SECONDS,
    clusterField: config.CLUSTER_FIELD,
    dryRun: config.DRY_RUN,
  });
});
