// One env schema for the ledger: every service that opens it declares exactly these variables, with
// these very schemas (one description each), so the README and the deploy plan say one thing.
// Test-only imports of the services: the ledger's own code never depends on them.
import isolator from "@riposte/isolator/descriptor";
import { notifierDescriptor } from "@riposte/notifier/descriptor";
import podKiller from "@riposte/pod-killer/descriptor";
import { routerDescriptor } from "@riposte/router/descriptor";
import tainter from "@riposte/tainter/descriptor";
import { describe, expect, it } from "vitest";
import { LedgerEnv } from "./config.js";

const LEDGER_VARIABLES = /^(LEDGER_|FIRESTORE_)/;

describe.each([routerDescriptor, notifierDescriptor, podKiller, isolator, tainter])(
  "$name's env",
  (service) => {
    const shape: Record<string, unknown> = service.env.shape;

    it("declares exactly the ledger's variables", () => {
      expect(
        Object.keys(shape)
          .filter((name) => LEDGER_VARIABLES.test(name))
          .sort(),
      ).toEqual(Object.keys(LedgerEnv).sort());
    });

    it.each(Object.keys(LedgerEnv))("takes %s's schema as the ledger declares it", (name) => {
      expect(shape[name]).toBe(LedgerEnv[name as keyof typeof LedgerEnv]);
    });
  },
);

describe("LedgerEnv", () => {
  it.each(Object.entries(LedgerEnv))("%s is described once, here", (_, schema) => {
    expect(schema.description).toBeTruthy();
  });
});
