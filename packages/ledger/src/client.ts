// The Firestore client for the ledger. On Cloud Run it finds its project and credentials itself; the
// client library switches to the emulator on its own when FIRESTORE_EMULATOR_HOST is set.
import { Firestore } from "@google-cloud/firestore";

export interface LedgerClientOptions {
  projectId?: string;
  /** A named database; "(default)" when absent. */
  databaseId?: string;
  /** host:port of an emulator (plain text, no credentials), when not given by FIRESTORE_EMULATOR_HOST. */
  emulatorHost?: string;
}

export function createLedgerFirestore(options: LedgerClientOptions = {}): Firestore {
  return new Firestore({
    ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
    ...(options.databaseId === undefined ? {} : { databaseId: options.databaseId }),
    ...(options.emulatorHost === undefined ? {} : { host: options.emulatorHost, ssl: false }),
  });
}
