import { describe, expect, it } from "vitest";
import { formatLogLine, makeVisible } from "./log-format.js";

describe("dev log formatting", () => {
  it("renders JSON log lines as time, severity, message and fields", () => {
    const line = JSON.stringify({
      severity: "WARNING",
      time: "2026-01-01T10:11:12.000Z",
      message: "message rejected",
      service: "router",
      messageId: "7",
    });
    expect(formatLogLine(line, false)).toBe("10:11:12 WARNING message rejected  messageId=7");
  });

  it("never lets attacker text reach the terminal as control sequences", () => {
    const hostile = JSON.stringify({
      severity: "INFO",
      message: "rule \u001b[2J\u001b]0;pwned\u0007 done",
      rule: "x\u001b[31m",
    });
    const out = formatLogLine(hostile, true);
    for (const sequence of ["\u001b[2J", "\u001b]0", "\u0007", "\u001b[31m"])
      expect(out).not.toContain(sequence);
    expect(out).toContain("\\u001b[2J");
    expect(makeVisible("a\u202eb\nc")).toBe("a\\u202eb\\u000ac");
  });

  it("passes plain text through, made visible", () => {
    expect(formatLogLine("router cannot start: bad \u0007", false)).toBe("router cannot start: bad \\u0007");
  });
});
