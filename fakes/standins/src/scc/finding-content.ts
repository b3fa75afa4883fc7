// The rules a finding's values follow whatever the request: event_time a valid Timestamp and not in
// the future, external_uri empty or http(s), source_properties keys as the proto documents, enums
// known by name. Refusals name the field as the client sent it.

import { camelToSnake } from "./protos.js";
import { invalidArgument } from "./status-error.js";
import type { SccStoreState, WireFinding } from "./store-state.js";
import { checkTimestamp, timestampToIso, timestampToMillis, type WireTimestamp } from "./wire.js";

export const sourcePropertyKey = /^[A-Za-z][A-Za-z0-9_]{0,254}$/;
/** The states a client may set (by SetFindingState, the `state` mask path, or on creation). */
export const settableStates = new Set(["ACTIVE", "INACTIVE"]);
export const settableMutes = new Set(["MUTED", "UNMUTED", "UNDEFINED"]);

function checkEventTime(state: SccStoreState, eventTime: WireTimestamp, field: string): void {
  checkTimestamp(eventTime, `${field}.event_time`);
  const millis = timestampToMillis(eventTime);
  if (millis > state.now() + state.futureEventTimeToleranceMs) {
    throw invalidArgument(
      `${field}.event_time ${timestampToIso(eventTime)} is in the future (now is ${new Date(state.now()).toISOString()}); it must not be later than the current time`,
    );
  }
}

function isHttpUrl(uri: string): boolean {
  try {
    const parsed = new URL(uri);
    return parsed.protocol === "http:" || parsed.protocol === "https:";
  } catch {
    return false;
  }
}

/** Checks the values of a finding as sent by a client (not its name). */
export function checkFindingContent(state: SccStoreState, finding: WireFinding, field: string): void {
  if (finding.eventTime !== undefined && finding.eventTime !== null) {
    checkEventTime(state, finding.eventTime as WireTimestamp, field);
  }
  const uri = finding.externalUri;
  if (typeof uri === "string" && uri !== "" && !isHttpUrl(uri)) {
    throw invalidArgument(`${field}.external_uri "${uri}" must be empty or a well-formed http(s) URL`);
  }
  for (const key of Object.keys((finding.sourceProperties as Record<string, unknown> | undefined) ?? {})) {
    if (!sourcePropertyKey.test(key)) {
      throw invalidArgument(
        `${field}.source_properties key "${key}" is invalid: 1 to 255 characters, starting with a letter, letters, digits and underscores only`,
      );
    }
  }
  for (const enumField of ["state", "severity", "findingClass", "mute"]) {
    if (typeof finding[enumField] === "number") {
      throw invalidArgument(
        `${field}.${camelToSnake(enumField)} has unknown enum value ${finding[enumField]}`,
      );
    }
  }
}
