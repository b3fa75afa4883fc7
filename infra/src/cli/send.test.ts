import { readFileSync } from "node:fs";
import { parseFalcoAlert } from "@riposte/contracts";
import { describe, expect, it } from "vitest";
import { UsageError } from "./command.js";
import { main } from "./main.js";
import { describeAlert, splitAlerts } from "./send.js";

describe("riposte send: splitting input into alerts", () => {
  it("keeps a single document byte for byte (big integers included)", () => {
    const text = '{"rule":"r","output_fields":{"evt.time":1553793029724747835}}\n';
    expect(splitAlerts(text, "f")).toEqual([text.trim()]);
  });

  it("splits a JSON array without losing big integers", () => {
    expect(splitAlerts('[{"a":1553793029724747835},{"b":2}]', "f")).toEqual([
      '{"a":1553793029724747835}',
      '{"b":2}',
    ]);
  });

  it("splits NDJSON and names the bad line", () => {
    expect(splitAlerts('{"a":1}\n\n{"b":2}\n', "f")).toEqual(['{"a":1}', '{"b":2}']);
    expect(() => splitAlerts('{"a":1}\n{"b":\n', "alerts.ndjson")).toThrow(UsageError);
    expect(() => splitAlerts('{"a":1}\n{"b":\n', "alerts.ndjson")).toThrow(/alerts.ndjson:2: not JSON/);
    expect(() => splitAlerts("  ", "empty.json")).toThrow("empty.json: empty");
  });
});

describe("riposte CLI errors", () => {
  it("one clear line and a non-zero exit for unknown commands, options and missing files", async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (line: string) => errors.push(line);
    try {
      expect(await main(["frobnicate"])).toBe(2);
      expect(await main(["send"])).toBe(2);
      expect(await main(["send", "--bogus", "x"])).toBe(2);
      expect(await main(["send", "/nonexistent.json"])).toBe(2);
      expect(await main(["topology", "destroy"])).toBe(2);
    } finally {
      console.error = original;
    }
    expect(errors[0]).toMatch(/^riposte: unknown command "frobnicate"/);
    expect(errors[1]).toMatch(/^riposte send: no file given/);
    expect(errors[2]).toMatch(/^riposte send: .*bogus/);
    expect(errors[3]).toBe("riposte send: cannot read /nonexistent.json: ENOENT");
    expect(errors[4]).toMatch(/^riposte topology: expected plan or apply/);
  });
});

describe("riposte send: each alert's incident key, as the router computes it", () => {
  it("names the incident key and the 12-character short key shown in Slack", () => {
    const alert = readFileSync(
      new URL("../../../examples/sidekick-critical-drop-exec.json", import.meta.url),
      "utf8",
    );
    const parsed = parseFalcoAlert(alert);
    expect(parsed.ok && parsed.alert.incidentKey).toBe("5b25b744aa6f2d37a54580b6b7219577");
    expect(describeAlert(alert.trim())).toBe(
      'incident 5b25b744aa6f2d37a54580b6b7219577 (Slack: 5b25b744aa6f) Critical "Drop and execute new binary in container"',
    );
  });

  it("says when the router will quarantine an alert instead", () => {
    expect(describeAlert('{"rule":"r"}')).toMatch(
      /^not a Falco alert the router accepts \(\S+: .+\): it will be quarantined$/,
    );
  });
});
