// Runs the stand-ins as their own process (e.g. for an end-to-end test in another process):
//   tsx src/main.ts [--host 127.0.0.1] [--webhook-port 0] [--scc-port 50551] [--storage-port 0] [--iap-port 0]
// Prints one JSON line with the addresses, then serves until SIGINT/SIGTERM. Ports come from
// arguments only; `riposte dev` decides them from its own config.

import { parseArgs } from "node:util";
import { startIapStandin } from "./iap/standin.js";
import { startSccStandin } from "./scc/standin.js";
import { startStorageStandin } from "./storage/standin.js";
import { startWebhookReceiver } from "./webhook/receiver.js";

function portArgument(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--${name} must be a port number 0..65535, got "${value}"`);
  }
  return port;
}

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    "webhook-port": { type: "string" },
    "scc-port": { type: "string" },
    "storage-port": { type: "string" },
    "iap-port": { type: "string" },
  },
});

const webhook = await startWebhookReceiver({
  host: values.host,
  port: portArgument("webhook-port", values["webhook-port"], 0),
});
const scc = await startSccStandin({
  host: values.host,
  port: portArgument("scc-port", values["scc-port"], 50551),
});
const storage = await startStorageStandin({
  host: values.host,
  port: portArgument("storage-port", values["storage-port"], 0),
});
const iap = await startIapStandin({
  host: values.host,
  port: portArgument("iap-port", values["iap-port"], 0),
});
process.stdout.write(
  `${JSON.stringify({ webhook: webhook.baseUrl, scc: scc.address, storage: storage.url, iapJwks: iap.jwksUrl })}\n`,
);

async function shutdown(): Promise<void> {
  await Promise.all([webhook.close(), scc.close(), storage.close(), iap.close()]);
  process.exit(0);
}
process.once("SIGINT", () => void shutdown());
process.once("SIGTERM", () => void shutdown());
