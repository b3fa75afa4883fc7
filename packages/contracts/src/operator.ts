// What an operator undoes by hand (`riposte release`, `riposte untaint`) reported as an ordinary
// ActionOutcome under the incident that did it: the notifier follows up where the incident was
// announced and the scc-exporter records it on the finding, with no new message kind or result, so a
// consumer of an older version reads it too.
import { z } from "zod";
import type { ActionOutcome } from "./messages.js";

/** The `service` of an operator's outcome: the scc-exporter records it as `riposte_operator`. */
export const OPERATOR_SERVICE = "operator";

/** What an operator can undo, as the outcome's `action`. */
export const OPERATOR_ACTIONS = ["release-pod", "untaint-node"] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

/** Longest --reason (code points): room in an Event message (1 KiB) and a Slack line. */
export const OPERATOR_REASON_MAX_LENGTH = 500;

// Control, format (bidi overrides, zero-width), line/paragraph separators and lone surrogates: a
// reason is one visible line in `kubectl describe`, Slack and SCC.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u;

export type OperatorReasonResult = { ok: true; reason: string } | { ok: false; error: string };

/** An operator's reason for the audit trail: one line of visible text, trimmed, not empty, bounded. */
export function parseOperatorReason(input: string): OperatorReasonResult {
  const reason = input.trim();
  if (reason === "") return { ok: false, error: "--reason is empty" };
  if ([...reason].length > OPERATOR_REASON_MAX_LENGTH)
    return { ok: false, error: `--reason is too long: at most ${OPERATOR_REASON_MAX_LENGTH} characters` };
  if (INVISIBLE.test(reason))
    return { ok: false, error: "--reason holds a control or invisible character: one line of plain text" };
  return { ok: true, reason };
}

/**
 * An optional reason given to a decision or typed in a form (the console's pages and decide): blank is
 * none, anything else is checked with parseOperatorReason, its problem worded for a person, not a flag.
 */
export const OptionalOperatorReason = z
  .string()
  .max(4_000)
  .transform((text, ctx) => {
    if (text.trim() === "") return undefined;
    const parsed = parseOperatorReason(text);
    if (parsed.ok) return parsed.reason;
    ctx.addIssue({ code: "custom", message: parsed.error.replace("--reason", "the reason") });
    return z.NEVER;
  })
  .optional();

export type OperatorObject =
  | { kind: "Pod"; namespace: string; name: string }
  | { kind: "Node"; name: string };

export interface OperatorOutcomeInput {
  action: OperatorAction;
  incident: string;
  /** What was done, e.g. "released pod shop/web from quarantine". */
  summary: string;
  by: string;
  /** Checked with parseOperatorReason. */
  reason: string;
  object: OperatorObject;
  at: Date;
}

/** The outcome of an operator's undo: result `done`, its reason saying what, who and why. */
export function operatorOutcome(input: OperatorOutcomeInput): ActionOutcome {
  const { object } = input;
  return {
    v: 1,
    kind: "ActionOutcome",
    service: OPERATOR_SERVICE,
    action: input.action,
    incident: input.incident,
    result: "done",
    reason: `${input.summary} by ${input.by}: ${input.reason}`,
    details: { by: input.by, reason: input.reason, object: { ...object } },
    target:
      object.kind === "Pod"
        ? { namespace: object.namespace, pod: object.name, rejected: [] }
        : { node: object.name, rejected: [] },
    at: input.at.toISOString(),
  };
}
