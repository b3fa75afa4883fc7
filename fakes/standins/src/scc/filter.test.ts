import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { type FilterableFinding, parseFindingFilter } from "./filter.js";
import { SccStatusError } from "./status-error.js";

const base: FilterableFinding = {
  name: "organizations/1/sources/2/locations/global/findings/a",
  parent: "organizations/1/sources/2/locations/global",
  resourceName: "//container.googleapis.com/projects/p/locations/l/clusters/c/k8s/namespaces/n/pods/x",
  state: "ACTIVE",
  category: "TERMINAL_SHELL",
  externalUri: "",
  severity: "CRITICAL",
  findingClass: "THREAT",
  mute: "MUTE_UNSPECIFIED",
  eventTimeMillis: Date.parse("2024-05-01T12:00:00Z"),
  sourceProperties: { count: 3, rule: "Terminal shell" },
};

const matches = (filter: string, overrides: Partial<FilterableFinding> = {}) =>
  parseFindingFilter(filter)({ ...base, ...overrides });

describe("parseFindingFilter", () => {
  it("matches equality and substring on strings and enums", () => {
    expect(matches("")).toBe(true);
    expect(matches('state="ACTIVE"')).toBe(true);
    expect(matches('state="INACTIVE"')).toBe(false);
    expect(matches('resource_name : "pods/x"')).toBe(true);
    expect(matches('category="TERMINAL"')).toBe(false);
    expect(matches('category:"TERMINAL"')).toBe(true);
  });

  it("gives OR precedence over AND and supports negation and parentheses", () => {
    // state=INACTIVE AND (severity=CRITICAL OR severity=HIGH)
    expect(matches('state="INACTIVE" AND severity="CRITICAL" OR severity="HIGH"')).toBe(false);
    expect(matches('state="ACTIVE" severity="LOW" OR severity="CRITICAL"')).toBe(true);
    expect(matches('-state="ACTIVE"')).toBe(false);
    expect(matches('NOT (state="INACTIVE" OR severity="LOW")')).toBe(true);
  });

  it("compares event_time as milliseconds or RFC 3339", () => {
    const millis = String(Date.parse("2024-05-01T12:00:00Z"));
    expect(matches(`event_time = ${millis}`)).toBe(true);
    expect(matches('event_time > "2024-05-01T11:00:00Z"')).toBe(true);
    expect(matches('event_time >= "2024-05-01T13:00:00+01:00"')).toBe(true);
    expect(matches('event_time < "2024-05-01T12:00:00Z"')).toBe(false);
    expect(matches("event_time > 0", { eventTimeMillis: undefined })).toBe(false);
  });

  it("filters on source_properties by type", () => {
    expect(matches("source_properties.count > 2")).toBe(true);
    expect(matches('source_properties.rule = "Terminal shell"')).toBe(true);
    expect(matches('source_properties.missing = "x"')).toBe(false);
  });

  it.each([
    ['colour="red"', 'unsupported field "colour"'],
    ['state="ACTIVE" AND', "expected a restriction"],
    ['(state="ACTIVE"', 'expected ")"'],
    ['state>"ACTIVE"', "operator > is not supported for state"],
    ['event_time = "yesterday"', "neither milliseconds since epoch nor RFC 3339"],
    ['state="ACTIVE', "unterminated string"],
  ])("refuses %s with INVALID_ARGUMENT", (filter, message) => {
    let error: unknown;
    try {
      parseFindingFilter(filter);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SccStatusError);
    expect((error as SccStatusError).code).toBe(status.INVALID_ARGUMENT);
    expect((error as SccStatusError).details).toContain(message);
  });
});
