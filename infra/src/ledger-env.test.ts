// One env schema for the ledger: every service that opens it declares exactly these variables, with
// these very schemas (one description each), so the README and the deploy plan say one thing.
// Here in infra, not in the ledger's package: a package's tests do not reach up to the services.
import { LedgerEnv } from "@riposte/ledger";
import { describe, expect, it } from "vitest";
import { loadServices } from "./services.js";

/** The services that open the incident ledger. */
const LEDGER_SERVICES = [
  "capture",
  "console",
  "isolator",
  "node-capturer",
  "notifier",
  "pod-killer",
  "router",
  "scc-exporter",
  "tainter",
];
const LEDGER_VARIABLES = /^(LEDGER_|FIRESTORE_)/;

const descriptors = (await loadServices()).map((service) => service.descriptor);
/** Every service declaring any of the ledger's variables: each must declare them all, as the ledger does. */
const declaringLedgerVariables = descriptors.filter((descriptor) =>
  Object.keys(descriptor.env.shape).some((name) => LEDGER_VARIABLES.test(name)),
);

it("finds every service that opens the ledger, and no other declares its variables", () => {
  expect(declaringLedgerVariables.map((descriptor) => descriptor.name).sort()).toEqual(LEDGER_SERVICES);
});

describe.each(declaringLedgerVariables)("$name's env", (service) => {
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
});

describe("LedgerEnv", () => {
  it.each(Object.entries(LedgerEnv))("%s is described once, here", (_, schema) => {
    expect(schema.description).toBeTruthy();
  });
});
