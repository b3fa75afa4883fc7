// createApp: Console messages in, the one thing console does, 204 out (service-kit answers per the
// ack policy: malformed → quarantined and acked, RetryableError → 503 and redelivered).
import { createPushApp, jsonMessageDecoder, type PushAppOptions, pushRoute } from "@riposte/service-kit";
import { ConsoleMessage } from "./message.js";

export interface ConsoleDeps {
  push: Omit<PushAppOptions, "routes">;
  dryRun: boolean;
  /** What the service does with one message; replace with the real work (injected for tests). */
  handle?: (message: ConsoleMessage, dryRun: boolean) => Promise<void>;
}

export function createApp(deps: ConsoleDeps) {
  return createPushApp({
    ...deps.push,
    routes: [
      pushRoute("/", jsonMessageDecoder(ConsoleMessage), async (message, context) => {
        const dryRun = deps.dryRun || message.dryRun;
        context.logger.info({ incident: message.incident, dryRun }, "console: Console received");
        await deps.handle?.(message, dryRun);
      }),
    ],
  });
}
