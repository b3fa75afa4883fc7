// Which incident ledger the CLI reads: the Firestore emulator FIRESTORE_EMULATOR_HOST names, the one a
// running `riposte dev` recorded, or the project's Firestore database (--project, LEDGER_PROJECT,
// GOOGLE_CLOUD_PROJECT; database LEDGER_DATABASE), as the services open it.

import { createLedger, createLedgerFirestore, type Ledger } from "@riposte/ledger";
import { traceConsoleUrl } from "@riposte/service-kit/gcp";
import { UsageError } from "./command.js";
import type { CliEnv } from "./config.js";
import { DEFAULT_LOCAL_PROJECT, readDevState } from "./pubsub-target.js";
import { requireRunning } from "./reachable.js";

/** The first call sets up the client's channel: seconds on a loaded machine, more against a real project. */
const CLI_LEDGER_TIMEOUT_MS = 30_000;

export interface LedgerTarget {
  ledger: Ledger;
  describe: string;
  /** host:port of the Firestore emulator holding it; undefined for a project's database. */
  emulatorHost: string | undefined;
  /** The Cloud Trace link of a trace id in production; null locally (`riposte trace` shows it). */
  traceLink: (traceId: string) => string | null;
  close(): Promise<void>;
}

interface Where {
  projectId: string;
  emulatorHost?: string;
}

export function ledgerLocation(env: CliEnv, project: string | undefined): Where | undefined {
  // As for Pub/Sub, an emulator named in the environment wins: the client library would use it anyway.
  if (env.FIRESTORE_EMULATOR_HOST)
    return {
      emulatorHost: env.FIRESTORE_EMULATOR_HOST,
      projectId: project ?? env.GOOGLE_CLOUD_PROJECT ?? readDevState(env)?.projectId ?? DEFAULT_LOCAL_PROJECT,
    };
  if (project) return { projectId: env.LEDGER_PROJECT ?? project };
  const dev = readDevState(env);
  if (dev?.firestoreEmulatorHost)
    return { emulatorHost: dev.firestoreEmulatorHost, projectId: dev.projectId };
  const production = env.LEDGER_PROJECT ?? env.GOOGLE_CLOUD_PROJECT;
  return production ? { projectId: production } : undefined;
}

export async function openLedgerTarget(env: CliEnv, project: string | undefined): Promise<LedgerTarget> {
  const where = ledgerLocation(env, project);
  if (!where)
    throw new UsageError(
      "no incident ledger: start the pipeline with `npm start`, or pass --project P (or set FIRESTORE_EMULATOR_HOST)",
    );
  if (where.emulatorHost)
    await requireRunning(
      "Firestore emulator",
      where.emulatorHost,
      "start the pipeline with `npm start`, or set FIRESTORE_EMULATOR_HOST to a running emulator",
    );
  const firestore = createLedgerFirestore({
    projectId: where.projectId,
    ...(where.emulatorHost ? { emulatorHost: where.emulatorHost } : { databaseId: env.LEDGER_DATABASE }),
  });
  const local = where.emulatorHost !== undefined;
  // Traces are in the services' project, which may not be the ledger's (LEDGER_PROJECT).
  const traceProject = project ?? env.GOOGLE_CLOUD_PROJECT ?? where.projectId;
  return {
    ledger: createLedger({ firestore, timeoutMs: CLI_LEDGER_TIMEOUT_MS }),
    emulatorHost: where.emulatorHost,
    describe: local
      ? `Firestore emulator ${where.emulatorHost}, project ${where.projectId}`
      : `project ${where.projectId}, database ${env.LEDGER_DATABASE}`,
    traceLink: (traceId) => (local ? null : (traceConsoleUrl(traceProject, traceId) ?? null)),
    close: () => firestore.terminate(),
  };
}
