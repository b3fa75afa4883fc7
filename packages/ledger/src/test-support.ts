// Test helpers: a ledger on the run's real Firestore emulator, in a project of its own so tests
// sharing the emulator never see each other's documents.
import { randomBytes } from "node:crypto";
import { Firestore } from "@google-cloud/firestore";
// inject("firestoreEmulatorHost"): declared by service-kit's testing module.
import type {} from "@riposte/service-kit/testing";
import { inject } from "vitest";
import { createLedger, type Ledger, type LedgerOptions } from "./ledger.js";

export function uniqueProjectId(): string {
  return `ledger-test-${randomBytes(4).toString("hex")}`;
}

/** A Firestore client of its own (its own channel), as a second Riposte instance would have. */
export function emulatorFirestore(projectId: string, host = inject("firestoreEmulatorHost")): Firestore {
  return new Firestore({ projectId, host, ssl: false });
}

/**
 * A ledger with a generous deadline unless the test sets one: a worker's first Firestore call loads the
 * client's protos and sets up its channel, which took over 10 s on a loaded two-core machine.
 */
export function testLedger(firestore: Firestore, options: Omit<LedgerOptions, "firestore"> = {}): Ledger {
  return createLedger({ firestore, timeoutMs: 30_000, ...options });
}

/** 32 lowercase hex characters, like the router's incident keys. */
export function incidentKey(): string {
  return randomBytes(16).toString("hex");
}
