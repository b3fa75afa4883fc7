// Entry point: wires real dependencies and listens. Everything testable lives in app.ts.
import "./instrument.js";
import { PubSub } from "@google-cloud/pubsub";
import { createLedger, openLedger } from "@riposte/ledger";
import { createPubSubPublisher, startService } from "@riposte/service-kit";
import { createApp } from "./app.js";
import { acceptsLocalIdentities } from "./approvals/deps.js";
import { cloudIdentityDirectoryFor } from "./approvals/directory.js";
import { consoleDescriptor } from "./descriptor.js";
import { consoleParts } from "./parts.js";

await startService(consoleDescriptor, async (kit) => {
  const { config, logger, push } = kit;
  const ledger = await openLedger(config, createLedger, { ...kit, requests: "decisions" });
  // Its own publisher, whose retries end before it reports a failure: a failed publish is the
  // scheduled call's to redo, and must not also land late (a second command).
  const publisher = createPubSubPublisher({
    pubsub: new PubSub({ projectId: config.GOOGLE_CLOUD_PROJECT }),
    endRetriesBeforeTimeout: true,
  });
  kit.onShutdown(() => publisher.close());
  return createApp({
    push,
    approvals: {
      ledger,
      publisher,
      logger,
      directory: cloudIdentityDirectoryFor(config.CLOUD_IDENTITY_URL),
      acceptLocal: acceptsLocalIdentities(config),
      approverCheckTimeoutMs: config.APPROVER_CHECK_TIMEOUT_MS,
    },
    routes: consoleParts(config, ledger, logger),
  });
});
