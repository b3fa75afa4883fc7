// Tests of priority normalisation and ordering.

import { describe, expect, it } from "vitest";
import { comparePriority, isAtLeast, PRIORITIES, parsePriority, severityOf } from "./priority.js";

describe("parsePriority", () => {
  it.each([
    ["Emergency", "Emergency"],
    ["EMERGENCY", "Emergency"],
    ["alert", "Alert"],
    ["Critical", "Critical"],
    ["error", "Error"],
    ["WARNING", "Warning"],
    ["notice", "Notice"],
    ["Informational", "Informational"],
    ["INFORMATIONAL", "Informational"],
    ["Info", "Informational"],
    ["INFO", "Informational"],
    ["info", "Informational"],
    ["debug", "Debug"],
  ])("%s → %s", (input, expected) => {
    expect(parsePriority(input)).toBe(expected);
  });

  it.each(["", "warn", "Severe", "informationa", " Notice", "crit", "7"])("refuses %j", (input) => {
    expect(parsePriority(input)).toBeUndefined();
  });
});

describe("severity and ordering", () => {
  it("numbers severities 0 (Emergency) to 7 (Debug)", () => {
    expect(PRIORITIES.map(severityOf)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(severityOf("Emergency")).toBe(0);
    expect(severityOf("Informational")).toBe(6);
    expect(severityOf("Debug")).toBe(7);
  });

  it("compares by importance: positive when the first is more severe", () => {
    expect(comparePriority("Critical", "Warning")).toBeGreaterThan(0);
    expect(comparePriority("Notice", "Warning")).toBeLessThan(0);
    expect(comparePriority("Error", "Error")).toBe(0);
    expect(
      ["Warning", "Emergency", "Debug", "Notice"].sort((a, b) => comparePriority(a as never, b as never)),
    ).toEqual(["Debug", "Notice", "Warning", "Emergency"]);
    expect(isAtLeast("Critical", "Warning")).toBe(true);
    expect(isAtLeast("Warning", "Warning")).toBe(true);
    expect(isAtLeast("Informational", "Notice")).toBe(false);
  });
});
