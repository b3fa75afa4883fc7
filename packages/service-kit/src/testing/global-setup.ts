// vitest global setup: one real Pub/Sub emulator for the whole run, shared by every project.
// Tests read its address with `inject("pubsubEmulatorHost")` and use unique topic names.
import type { TestProject } from "vitest/node";
import { startPubSubEmulator } from "./emulator.js";
// For the ProvidedContext declaration only.
import type {} from "./index.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Off Google Cloud: Google clients must not probe the metadata server (slow, and a warning per client).
  process.env.METADATA_SERVER_DETECTION = "none";
  const emulator = await startPubSubEmulator();
  project.provide("pubsubEmulatorHost", emulator.host);
  return () => emulator.stop();
}
