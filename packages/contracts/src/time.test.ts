// Tests of RFC 3339 → nanoseconds: exactness, equal instants, offsets, pre-1970, refusals.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatRfc3339Nanos, parseRfc3339Nanos } from "./time.js";

function ns(value: string): bigint {
  const result = parseRfc3339Nanos(value);
  if (!result.ok) throw new Error(result.message);
  return result.ns;
}

function refusal(value: string): string {
  const result = parseRfc3339Nanos(value);
  if (result.ok) throw new Error(`expected ${value} to be refused`);
  return result.message;
}

describe("parseRfc3339Nanos", () => {
  it("converts Falco's 9-digit time exactly (matches evt.time of the 2019 sample)", () => {
    expect(ns("2019-03-28T17:10:29.724747835Z")).toBe(1553793029724747835n);
    expect(ns("1970-01-01T00:00:00Z")).toBe(0n);
  });

  it("gives the same instant for any number of fraction digits, as falcosidekick writes them", () => {
    const falco = ns("2024-11-23T12:44:18.900100200Z");
    expect(ns("2024-11-23T12:44:18.9001002Z")).toBe(falco);
    expect(ns("2024-11-23T12:44:18.90010020Z")).toBe(falco);
    expect(ns("2024-11-23T15:00:00Z")).toBe(ns("2024-11-23T15:00:00.000000000Z"));
    expect(ns("2024-11-23T15:00:00.5Z")).toBe(ns("2024-11-23T15:00:00.500000000Z"));
  });

  it("applies offsets and accepts lowercase t/z", () => {
    expect(ns("2024-11-23T16:30:00.123+01:30")).toBe(ns("2024-11-23T15:00:00.123Z"));
    expect(ns("2024-11-22T23:00:00-16:00")).toBe(ns("2024-11-23T15:00:00Z"));
    expect(ns("2024-11-23t15:00:00z")).toBe(ns("2024-11-23T15:00:00Z"));
    expect(ns("2024-11-23T15:00:00-00:00")).toBe(ns("2024-11-23T15:00:00Z"));
  });

  it("handles leap days and instants before 1970", () => {
    expect(ns("2024-02-29T00:00:00Z")).toBe(BigInt(Date.UTC(2024, 1, 29)) * 1_000_000n);
    expect(ns("1969-12-31T23:59:59.999999999Z")).toBe(-1n);
    expect(ns("0001-01-01T00:00:00Z")).toBe(-62135596800n * 1_000_000_000n);
    expect(ns("1900-03-01T00:00:00Z")).toBe(BigInt(Date.parse("1900-03-01T00:00:00Z")) * 1_000_000n);
  });

  it("agrees with Date.parse to the millisecond for 2,000 random instants of years 0000–9999", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("0000-01-01T00:00:00Z"),
          max: new Date("9999-12-31T23:59:59.999Z"),
          noInvalidDate: true,
        }),
        fc.integer({ min: 0, max: 999_999 }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (date, subMillisecond, offsetMinutes) => {
          const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
          const fraction = `${iso.slice(20, 23)}${String(subMillisecond).padStart(6, "0")}`;
          const utc = `${iso.slice(0, 19)}.${fraction}Z`;
          const expected = BigInt(date.getTime()) * 1_000_000n + BigInt(subMillisecond);
          expect(ns(utc)).toBe(expected);
          expect(formatRfc3339Nanos(expected)).toBe(utc);
          // The same instant written in another offset.
          const local = new Date(date.getTime() + offsetMinutes * 60_000);
          const localIso = local.toISOString();
          if (!/^\d{4}-/.test(localIso)) return; // shifted out of 0000–9999
          const sign = offsetMinutes < 0 ? "-" : "+";
          const abs = Math.abs(offsetMinutes);
          const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
          expect(ns(`${localIso.slice(0, 19)}.${fraction}${offset}`)).toBe(expected);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it.each([
    ["", "is not a valid time"],
    ["2024-11-23", "is not a valid time"],
    ["2024-11-23 15:00:00Z", "is not a valid time"],
    ["2024-11-23T15:00:00", "is not a valid time"],
    ["24-11-23T15:00:00Z", "is not a valid time"],
    ["+012024-11-23T15:00:00Z", "is not a valid time"],
    ["2024-11-23T15:00:00.Z", "is not a valid time"],
    ["2024-11-23T15:00:00.1234567891Z", "10 digits"],
    ["2024-13-01T00:00:00Z", "month 13"],
    ["2023-02-29T00:00:00Z", "day 29 does not exist"],
    ["2024-04-31T00:00:00Z", "day 31"],
    ["2024-11-23T24:00:00Z", "hour 24"],
    ["2024-11-23T15:60:00Z", "minute 60"],
    ["2024-11-23T15:00:60Z", "leap seconds"],
    ["2024-11-23T15:00:00+24:00", "offset +24:00"],
    ["2024-11-23T15:00:00+0100", "is not a valid time"],
    ["１９７０-01-01T00:00:00Z", "is not a valid time"],
    ["yesterday", "is not a valid time"],
  ])("refuses %j, naming the value", (value, reason) => {
    const message = refusal(value);
    expect(message).toContain(reason);
    expect(message).toContain(JSON.stringify(value));
  });
});
