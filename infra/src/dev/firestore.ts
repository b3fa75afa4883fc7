// `riposte dev`'s Firestore emulator (the incident ledger's database): the one FIRESTORE_EMULATOR_HOST
// names, checked to answer and left running on exit, or one started on a free port and stopped on exit.
// Missing, it is one line naming the package to install.
import { EmulatorNotFoundError } from "@riposte/service-kit/testing";
import {
  type FirestoreEmulator,
  useFirestoreEmulator,
} from "@riposte/service-kit/testing/firestore-emulator";
import type { DevFirestoreEnv } from "./config.js";

export const FIRESTORE_EMULATOR_PACKAGE = "google-cloud-cli-firestore-emulator";

export async function startDevFirestore(
  env: DevFirestoreEnv,
  say: (line: string) => void,
  /** Cloud SDK roots to look under (tests; default: the usual places and the `gcloud` on PATH's). */
  search: { sdkRoots?: string[] } = {},
): Promise<FirestoreEmulator> {
  if (env.FIRESTORE_EMULATOR_HOST) {
    say(`using the Firestore emulator at ${env.FIRESTORE_EMULATOR_HOST} (FIRESTORE_EMULATOR_HOST)`);
  } else {
    say("starting the Firestore emulator…");
  }
  try {
    const emulator = await useFirestoreEmulator(search.sdkRoots ? { sdkRoots: search.sdkRoots } : {}, env);
    if (!env.FIRESTORE_EMULATOR_HOST) say(`Firestore emulator on ${emulator.host}`);
    return emulator;
  } catch (error) {
    if (error instanceof EmulatorNotFoundError) {
      throw new Error(
        `the Firestore emulator is not installed: apt-get install ${FIRESTORE_EMULATOR_PACKAGE} (Java 17 too), or set FIRESTORE_EMULATOR_HOST to a running one`,
      );
    }
    throw error;
  }
}
