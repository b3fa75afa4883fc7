// Test helper: the router's ledger on the run's real Firestore emulator. Each call opens a client of its
// own, as a second router instance would; tests share a project only when they mean to.
import { randomBytes } from "node:crypto";
import { createLedger, createLedgerFirestore, type Ledger } from "@riposte/ledger";
// inject("firestoreEmulatorHost"): declared by service-kit's testing module.
import type {} from "@riposte/service-kit/testing";
import { inject } from "vitest";

export function uniqueLedgerProject(): string {
  return `router-test-${randomBytes(4).toString("hex")}`;
}

/** A worker's first Firestore call loads the client and sets up its channel: seconds on a loaded machine. */
export function ledgerForTest(
  projectId: string = uniqueLedgerProject(),
  options: { now?: () => Date; emulatorHost?: string; timeoutMs?: number } = {},
): Ledger {
  const firestore = createLedgerFirestore({
    projectId,
    emulatorHost: options.emulatorHost ?? inject("firestoreEmulatorHost"),
  });
  return createLedger({
    firestore,
    timeoutMs: options.timeoutMs ?? 30_000,
    ...(options.now ? { now: options.now } : {}),
  });
}
