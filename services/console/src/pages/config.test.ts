// The pages' configuration: a form secret that is a real key, required on Cloud Run (instances must
// share it), and origins that are origins.
import { randomBytes } from "node:crypto";
import { ConfigError } from "@riposte/service-kit";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConsolePagesEnv, consolePagesSettings } from "./config.js";

const schema = z.object(ConsolePagesEnv);
const KEY = randomBytes(32).toString("base64");

describe("pages configuration", () => {
  it("takes a shared secret and origins", () => {
    const settings = consolePagesSettings(
      schema.parse({
        CONSOLE_FORM_SECRET: KEY,
        CONSOLE_ORIGINS: "https://console.acme.com, http://localhost:8089",
        K_SERVICE: "console",
      }),
    );
    expect(Buffer.from(settings.secret ?? []).toString("base64")).toBe(KEY);
    expect(settings.origins).toEqual(["https://console.acme.com", "http://localhost:8089"]);
    expect(consolePagesSettings(schema.parse({}))).toEqual({});
  });

  it("refuses Cloud Run without a secret, a short or non-base64 secret, and origins that are not", () => {
    expect(() => consolePagesSettings(schema.parse({ K_SERVICE: "console" }))).toThrow(ConfigError);
    for (const secret of [randomBytes(16).toString("base64"), "not base64!", `${KEY}\n`])
      expect(schema.safeParse({ CONSOLE_FORM_SECRET: secret }).success, secret).toBe(false);
    for (const origins of ["https://a.example/path", "javascript:alert(1)", "https://a.example,*", "null"])
      expect(schema.safeParse({ CONSOLE_ORIGINS: origins }).success, origins).toBe(false);
  });
});
