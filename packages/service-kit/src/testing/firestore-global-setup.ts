// vitest global setup: one real Firestore emulator for the whole run (or the one FIRESTORE_EMULATOR_HOST
// names), shared by every project. Tests read its address with `inject("firestoreEmulatorHost")` and
// keep apart by using a project id of their own.
import type { TestProject } from "vitest/node";
import { useFirestoreEmulator } from "./firestore-emulator.js";
// For the ProvidedContext declaration only.
import type {} from "./index.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Off Google Cloud: Google clients must not probe the metadata server (slow, and a warning per client).
  process.env.METADATA_SERVER_DETECTION = "none";
  const emulator = await useFirestoreEmulator();
  project.provide("firestoreEmulatorHost", emulator.host);
  return () => emulator.stop();
}
