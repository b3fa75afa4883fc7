// RFC 3339 timestamps → exact nanoseconds since the Unix epoch, as bigint.
//
// Falco writes `time` with 9 fraction digits; falcosidekick re-encodes it with Go's RFC3339Nano, which
// drops trailing zeros (0–9 digits). `Date.parse` keeps only milliseconds, so both spellings of one
// instant would not compare equal through it. This does the calendar arithmetic itself, exactly, for
// years 0000–9999 (proleptic Gregorian, as RFC 3339 specifies), including instants before 1970.

export type TimeParseResult = { ok: true; ns: bigint } | { ok: false; message: string };

const RFC3339 =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))$/;

const NS_PER_SECOND = 1_000_000_000n;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function show(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/**
 * Parses `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±hh:mm)` into nanoseconds since the epoch.
 * Leap seconds (`:60`) are refused: neither Falco nor Go ever writes them.
 */
export function parseRfc3339Nanos(value: string): TimeParseResult {
  const m = RFC3339.exec(value);
  const expected = "expected an RFC 3339 timestamp like 2024-11-23T10:21:33.123456789Z";
  if (m === null) return { ok: false, message: `${show(value)} is not a valid time; ${expected}` };
  const [, ys, mos, ds, hs, mis, ss, fraction, zulu, sign, ohs, omis] = m;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs);
  const minute = Number(mis);
  const second = Number(ss);
  const fail = (what: string): TimeParseResult => ({
    ok: false,
    message: `${show(value)} is not a valid time: ${what}; ${expected}`,
  });
  if (month < 1 || month > 12) return fail(`month ${mos} is out of range`);
  if (day < 1 || day > daysInMonth(year, month)) return fail(`day ${ds} does not exist in ${ys}-${mos}`);
  if (hour > 23) return fail(`hour ${hs} is out of range`);
  if (minute > 59) return fail(`minute ${mis} is out of range`);
  if (second > 59) return fail(`second ${ss} is out of range (leap seconds are not supported)`);
  if (fraction !== undefined && fraction.length > 9) {
    return fail(`the fraction has ${fraction.length} digits but at most 9 (nanoseconds) are allowed`);
  }
  let offsetSeconds = 0;
  if (zulu === undefined) {
    const offsetHours = Number(ohs);
    const offsetMinutes = Number(omis);
    if (offsetHours > 23 || offsetMinutes > 59) return fail(`offset ${sign}${ohs}:${omis} is out of range`);
    offsetSeconds = (sign === "-" ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  }
  // Local wall time minus the offset gives UTC. All of this is exact in doubles (|x| < 2^53).
  const seconds =
    daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds;
  const nanos = fraction === undefined ? 0n : BigInt(fraction.padEnd(9, "0"));
  return { ok: true, ns: BigInt(seconds) * NS_PER_SECOND + nanos };
}

/** Formats nanoseconds since the epoch as RFC 3339 UTC with exactly 9 fraction digits (Falco's form). */
export function formatRfc3339Nanos(ns: bigint): string {
  let seconds = ns / NS_PER_SECOND;
  let nanos = ns % NS_PER_SECOND;
  if (nanos < 0n) {
    nanos += NS_PER_SECOND;
    seconds -= 1n;
  }
  const iso = new Date(Number(seconds) * 1000).toISOString(); // seconds precision is exact here
  return `${iso.slice(0, 19)}.${nanos.toString().padStart(9, "0")}Z`;
}
