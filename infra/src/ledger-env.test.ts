// One env schema for the ledger: every service that opens it declares exactly these variables, with
// these very schemas (one description each), so the README and the deploy plan say one thing.
// Here in infra, not in the ledger's package: a package's tests do not reach up to the services.
import { LedgerEnv } from "@riposte/ledger";
import { describe, expect, it } from "vitest";
import { loadServices } from "./services.js";

/** The services that open the incident ledger. */
const LEDGER_SERVICES = ["router", "notifier", "pod-killer", "isolator", "tainter"];
const LEDGER_VARIABLES = /^(LEDGER_|FIRESTORE_)/;

const descriptors = (await loadServices()).map((service) => service.descriptor);

it("finds every service that opens the ledger", () => {
  expect(
    descriptors
      .map((descriptor) => descriptor.name)
      .filter((name) => LEDGER_SERVICES.includes(name))
      .sort(),
  ).toEqual([...LEDGER_SERVICES].sort());
});

describe.each(descriptors.filter((descriptor) => LEDGER_SERVICES.includes(descriptor.name)))(
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
