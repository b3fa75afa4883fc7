// UpdateFinding on an existing finding: an empty mask updates every mutable field and replaces
// source_properties (unsent fields are cleared); a mask updates its paths only, with
// `source_properties.<key>` setting or removing one property. IMMUTABLE fields may not change,
// OUTPUT_ONLY ones are ignored, and `state` may be set to ACTIVE/INACTIVE only.

import { settableStates, sourcePropertyKey } from "./finding-content.js";
import { camelToSnake, type FindingField, type SccProtos, snakeToCamel } from "./protos.js";
import { invalidArgument } from "./status-error.js";
import type { WireFinding } from "./store-state.js";
import type { WireValue } from "./wire.js";

/** Fields a client never writes: the name, OUTPUT_ONLY fields and `parent` (set from the name). */
function isIgnoredOnWrite(field: FindingField): boolean {
  return field.behavior === "OUTPUT_ONLY" || field.behavior === "IDENTIFIER" || field.name === "parent";
}

/** `explicit`: the field is a mask path, so an unsent value counts as a change to "". */
function checkImmutable(
  stored: WireFinding,
  incoming: WireFinding,
  fieldName: string,
  explicit: boolean,
): void {
  const before = (stored[fieldName] as string | undefined) ?? "";
  const after = (incoming[fieldName] as string | undefined) ?? "";
  if ((explicit || after !== "") && before !== after) {
    throw invalidArgument(
      `finding.${camelToSnake(fieldName)} is immutable: the finding has "${before}", the request has "${after}"`,
    );
  }
}

function copyField(wire: WireFinding, incoming: WireFinding, fieldName: string): void {
  if (incoming[fieldName] === undefined) delete wire[fieldName];
  else wire[fieldName] = structuredClone(incoming[fieldName]);
}

function replaceMutableFields(protos: SccProtos, wire: WireFinding, incoming: WireFinding): void {
  for (const field of protos.findingFields.values()) {
    if (field.name === "state") {
      // State cannot be cleared: only a settable value sent replaces it.
      if (settableStates.has(incoming.state as string)) wire.state = incoming.state;
      continue;
    }
    if (isIgnoredOnWrite(field)) continue;
    if (field.behavior === "IMMUTABLE") {
      checkImmutable(wire, incoming, field.name, false);
      continue;
    }
    copyField(wire, incoming, field.name);
  }
}

function applySourcePropertyPath(wire: WireFinding, incoming: WireFinding, path: string, key: string): void {
  if (!sourcePropertyKey.test(key)) {
    throw invalidArgument(`update_mask path "${path}": "${key}" is not a valid source_properties key`);
  }
  const incomingProps = (incoming.sourceProperties as Record<string, WireValue> | undefined) ?? {};
  const props = { ...((wire.sourceProperties as Record<string, WireValue> | undefined) ?? {}) };
  if (incomingProps[key] === undefined) delete props[key];
  else props[key] = structuredClone(incomingProps[key]);
  wire.sourceProperties = props;
}

function applyMaskPath(protos: SccProtos, wire: WireFinding, incoming: WireFinding, path: string): void {
  const [head = "", ...rest] = path.split(".");
  const fieldName = snakeToCamel(head);
  const field = protos.findingFields.get(fieldName);
  if (!field) throw invalidArgument(`update_mask path "${path}": Finding has no field "${head}"`);
  if (rest.length > 0) {
    if (fieldName !== "sourceProperties") {
      throw invalidArgument(
        `update_mask path "${path}": the stand-in supports nested paths only under source_properties`,
      );
    }
    applySourcePropertyPath(wire, incoming, path, rest.join("."));
    return;
  }
  if (fieldName === "state") {
    if (!settableStates.has(incoming.state as string)) {
      throw invalidArgument(
        `update_mask path "state": state must be ACTIVE or INACTIVE, got ${String(incoming.state ?? "unset")}`,
      );
    }
    wire.state = incoming.state;
    return;
  }
  if (isIgnoredOnWrite(field)) return;
  if (field.behavior === "IMMUTABLE") {
    checkImmutable(wire, incoming, fieldName, true);
    return;
  }
  copyField(wire, incoming, fieldName);
}

/** Applies `incoming` to `wire` (changed in place) as UpdateFinding with `maskPaths` does. */
export function applyUpdateMask(
  protos: SccProtos,
  wire: WireFinding,
  incoming: WireFinding,
  maskPaths: readonly string[],
): void {
  if (maskPaths.length === 0) {
    replaceMutableFields(protos, wire, incoming);
    return;
  }
  for (const path of maskPaths) applyMaskPath(protos, wire, incoming, path);
}
