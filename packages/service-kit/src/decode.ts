// Turning a push message's bytes into a typed message, with every defect reported as a path + message.
import type { z } from "zod";
import { type Decoded, decodeUtf8 } from "./envelope.js";

export type MessageDecoder<M> = (
  data: Uint8Array,
  attributes: Readonly<Record<string, string>>,
) => Decoded<M>;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `["params", "gracePeriodSeconds"]` → `$.params.gracePeriodSeconds`; odd keys are quoted. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "$";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && IDENTIFIER.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** The first zod issue as a path + message, e.g. `$.target.pod: Invalid input: expected string`. */
export function zodFailure(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { path: "$", message: "invalid" };
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : "";
  return { path: formatPath(issue.path), message: `${issue.message}${more}` };
}

/** Decodes UTF-8 JSON and validates it with a zod schema (messages between Riposte services). */
export function jsonMessageDecoder<S extends z.ZodType>(schema: S): MessageDecoder<z.output<S>> {
  return (data) => {
    const text = decodeUtf8(data);
    if (!text.ok) return text;
    let value: unknown;
    try {
      value = JSON.parse(text.value);
    } catch (error) {
      return { ok: false, error: { path: "$", message: `not JSON: ${(error as Error).message}` } };
    }
    const result = schema.safeParse(value);
    return result.success ? { ok: true, value: result.data } : { ok: false, error: zodFailure(result.error) };
  };
}
