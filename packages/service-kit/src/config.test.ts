import { describe, expect, it } from "vitest";
import { z } from "zod";
import { envBoolean, envList, envPort, loadConfig, sensitive } from "./config.js";
import { ConfigError } from "./errors.js";

const schema = z.object({
  PORT: envPort.default(8080),
  TOPIC: z.string().min(3),
  DRY_RUN: envBoolean.default(false),
  ALLOWED: envList.default([]),
  URL: z.string().url(),
});

describe("loadConfig", () => {
  it("returns typed values with defaults", () => {
    const config = loadConfig(schema, {
      TOPIC: "falco-events",
      URL: "http://x",
      ALLOWED: "a, b,,c",
      DRY_RUN: "yes",
    });
    expect(config).toEqual({
      PORT: 8080,
      TOPIC: "falco-events",
      DRY_RUN: true,
      ALLOWED: ["a", "b", "c"],
      URL: "http://x",
    });
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig(schema, { TOPIC: "abc", URL: "http://x", PORT: "" }).PORT).toBe(8080);
  });

  it("lists every missing or bad variable in one error, with the value received", () => {
    let error: unknown;
    try {
      loadConfig(schema, { PORT: "eighty", DRY_RUN: "maybe", URL: "not a url" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join("\n")).toMatch(/PORT: .*\(got "eighty"\)/);
    expect(problems.join("\n")).toMatch(/TOPIC: required but not set/);
    expect(problems.join("\n")).toMatch(/DRY_RUN: .*\(got "maybe"\)/);
    expect(problems.join("\n")).toMatch(/URL: .*\(got "not a url"\)/);
    expect((error as Error).message).toContain("invalid configuration");
  });

  it("ignores variables the schema does not name", () => {
    expect(loadConfig(z.object({ A: z.string() }), { A: "x", B: "y" })).toEqual({ A: "x" });
  });
});

describe("sensitive variables", () => {
  const schema = z.object({
    TOKEN_MAP: sensitive(z.string().regex(/^\{/, { error: "expected a JSON object" })),
    PLAIN: z.string().regex(/^\d+$/, { error: "expected digits" }).optional(),
  });

  it("name what is wrong but never repeat the value; other variables still show theirs", () => {
    try {
      loadConfig(schema, { TOKEN_MAP: "Bearer sekrit-token", PLAIN: "abc" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toContain("TOKEN_MAP: expected a JSON object");
      expect(problems).toContain('PLAIN: expected digits (got "abc")');
      expect(problems.join("\n")).not.toContain("sekrit");
    }
  });
});
