// Alerts for the router's tests: the shipped examples, and variations of them.
import { readFileSync } from "node:fs";
import { type FalcoAlert, parseFalcoAlert } from "@riposte/falco-event";

const EXAMPLES = new URL("../../../examples/", import.meta.url);

export function exampleText(name: string): string {
  return readFileSync(new URL(name, EXAMPLES), "utf8");
}

/** Parses an example, optionally changing top-level keys or output fields first. */
export function exampleAlert(
  name: string,
  changes: { top?: Record<string, unknown>; fields?: Record<string, unknown> } = {},
): FalcoAlert {
  const raw = JSON.parse(exampleText(name)) as Record<string, unknown> & {
    output_fields: Record<string, unknown>;
  };
  const edited = { ...raw, ...changes.top, output_fields: { ...raw.output_fields, ...changes.fields } };
  const parsed = parseFalcoAlert(JSON.stringify(edited));
  if (!parsed.ok)
    throw new Error(`example ${name} does not parse: ${parsed.error.path}: ${parsed.error.message}`);
  return parsed.alert;
}
