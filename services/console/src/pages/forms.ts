// Reading a POSTed form: only application/x-www-form-urlencoded (what a plain HTML form sends), within
// a size bound, each field once. A Map, then own properties, so a field named __proto__ or constructor
// is just an unknown field for the schema to refuse.

import { OPERATOR_REASON_MAX_LENGTH, OptionalOperatorReason } from "@riposte/contracts";
import type { Context } from "hono";
import type { z } from "zod";

/** A console form is a few short fields: a bigger body is not one of ours. */
export const FORM_MAX_BYTES = 16_384;
/** A reason is shown in Slack and kept in the ledger (ApprovalRecord allows 500). */
export const REASON_MAX_CHARS = OPERATOR_REASON_MAX_LENGTH;

export type FormRead =
  | { ok: true; fields: Record<string, string> }
  | { ok: false; status: 413 | 415 | 400; problem: string };

export async function readForm(c: Context): Promise<FormRead> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded")
    return { ok: false, status: 415, problem: "expected a form (application/x-www-form-urlencoded)" };
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > FORM_MAX_BYTES) return { ok: false, status: 413, problem: "the form is too large" };
  const body = await c.req.arrayBuffer();
  if (body.byteLength > FORM_MAX_BYTES) return { ok: false, status: 413, problem: "the form is too large" };
  const fields = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(new TextDecoder().decode(body))) {
    if (fields.has(name))
      return {
        ok: false,
        status: 400,
        problem: `the field ${JSON.stringify(name.slice(0, 40))} is given twice`,
      };
    fields.set(name, value);
  }
  return { ok: true, fields: Object.fromEntries(fields) };
}

/**
 * An optional reason, checked as every operator's reason is (contracts' parseOperatorReason: one line
 * of visible text — no control, bidi or invisible character — at most REASON_MAX_CHARS); blank is none.
 */
export const Reason = OptionalOperatorReason;

/** The first problem of a failed parse, as a sentence naming its field. */
export function firstProblem(error: z.ZodError): string {
  const [issue] = error.issues;
  if (!issue) return "the form is not valid";
  if (issue.code === "unrecognized_keys")
    return `unexpected field ${issue.keys.map((key) => JSON.stringify(key.slice(0, 40))).join(", ")}`;
  return `${issue.path.join(".") || "form"}: ${issue.message}`;
}
