import { Firestore } from "@google-cloud/firestore";
import { createLedger } from "@riposte/ledger";
import { ConfigError, createSilentLogger } from "@riposte/service-kit";
import { describe, expect, it } from "vitest";
import { consoleEnv } from "./config.js";
import { consoleParts } from "./parts.js";

const ledger = createLedger({ firestore: new Firestore({ projectId: "parts-test" }) });

describe("consoleParts at start", () => {
  it("refuses a console on Cloud Run whose ledger is the emulator (a local operator could decide there)", () => {
    const config = consoleEnv.parse({
      GOOGLE_CLOUD_PROJECT: "p",
      K_SERVICE: "console",
      FIRESTORE_EMULATOR_HOST: "127.0.0.1:8080",
      IAP_AUDIENCE: "/projects/1/global/backendServices/2",
      CONSOLE_FORM_SECRET: Buffer.alloc(32, 7).toString("base64"),
    });
    expect(() => consoleParts(config, ledger, createSilentLogger())).toThrow(ConfigError);
    expect(() => consoleParts(config, ledger, createSilentLogger())).toThrow(
      /FIRESTORE_EMULATOR_HOST is set on Cloud Run/,
    );
  });

  it("starts under riposte dev (the emulator, no K_SERVICE, none-local)", () => {
    const config = consoleEnv.parse({
      GOOGLE_CLOUD_PROJECT: "p",
      FIRESTORE_EMULATOR_HOST: "127.0.0.1:8080",
      CONSOLE_AUTHENTICATION: "none-local",
    });
    expect(consoleParts(config, ledger, createSilentLogger())).toHaveLength(3);
  });
});
