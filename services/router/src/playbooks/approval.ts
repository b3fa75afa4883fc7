// A playbook's `approval:`: an action held until a person approves it (or its deadline passes). Written
// per action, or once for the whole playbook (every action of it that can be held; `approval: false`
// opts one out). Checked at start-up like the rest of the file: only the actions whose service waits for
// the incident's order can be held, and nothing may wait (`after:`) for a held action.
import {
  type ActionName,
  APPROVABLE_ACTIONS,
  APPROVAL_TIMEOUT_MAX_SECONDS,
  APPROVAL_TIMEOUT_MIN_SECONDS,
  APPROVERS_MAX,
  ApprovalPolicy,
  durationMs,
  isApprovableAction,
  ON_TIMEOUT,
} from "@riposte/contracts";
import { z } from "zod";

/** `timeout: 15m` → 900: a duration from APPROVAL_TIMEOUT_MIN_SECONDS to APPROVAL_TIMEOUT_MAX_SECONDS. */
const timeoutSchema = z.string({ error: "expected a duration such as 15m" }).transform((text, ctx) => {
  const ms = durationMs(text);
  if (ms === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `timeout ${JSON.stringify(text.slice(0, 40))}: expected a whole number and a unit (s, m, h or d), e.g. 15m`,
    });
    return z.NEVER;
  }
  const seconds = ms / 1_000;
  if (seconds < APPROVAL_TIMEOUT_MIN_SECONDS || seconds > APPROVAL_TIMEOUT_MAX_SECONDS) {
    ctx.addIssue({
      code: "custom",
      // The deadline is enforced by a call scheduled every minute; a day is the longest anyone waits.
      message: `timeout ${text}: must be from ${APPROVAL_TIMEOUT_MIN_SECONDS}s (1m) to ${APPROVAL_TIMEOUT_MAX_SECONDS}s (24h)`,
    });
    return z.NEVER;
  }
  return seconds;
});

const policySchema = z
  .strictObject({
    timeout: timeoutSchema,
    on_timeout: z.enum(ON_TIMEOUT, {
      error: (issue) =>
        `on_timeout ${JSON.stringify(String(issue.input).slice(0, 40))}: expected proceed (run it) or abandon (never run it)`,
    }),
    // The contracts' approvers: user:/group: emails, normalised; at least one, at most APPROVERS_MAX.
    approvers: ApprovalPolicy.shape.approvers,
  })
  .transform(
    ({ timeout, on_timeout, approvers }): ApprovalPolicy => ({
      timeoutSeconds: timeout,
      onTimeout: on_timeout,
      // `alice@acme.com` and `user:alice@acme.com` are one approver.
      approvers: [...new Set(approvers)],
    }),
  );

const SHAPE = "{ timeout: 15m, on_timeout: proceed|abandon, approvers: [EMAIL, group:EMAIL, …] }";

/** A written policy, checked; its problems reported where they are (`hint` adds to a wrong shape's). */
function parsePolicy(value: unknown, ctx: z.RefinementCtx, hint = ""): ApprovalPolicy {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    ctx.addIssue({ code: "custom", message: `expected ${SHAPE}${hint}` });
    return z.NEVER;
  }
  const result = policySchema.safeParse(value);
  if (result.success) return result.data;
  // Passed on as they are (paths relative to here): an unknown key is then pointed at by load.ts.
  for (const issue of result.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
  return z.NEVER;
}

/** An action's `approval:` — a policy, or `false` to opt out of the playbook's. */
export const actionApprovalSchema = z
  .unknown()
  .transform((value, ctx): ApprovalPolicy | false =>
    value === false ? false : parsePolicy(value, ctx, ", or false (not held by the playbook's approval)"),
  );

/** A playbook's `approval:`, for each of its actions that can be held. */
export const playbookApprovalSchema = z.unknown().transform((value, ctx) => parsePolicy(value, ctx));

interface ApprovalEntry {
  action: ActionName;
  after?: ActionName;
  approval?: ApprovalPolicy | false;
}

/** The policy an action of a playbook is held with: its own, else the playbook's (if it can be held). */
export function heldWith(
  entry: ApprovalEntry,
  playbookApproval: ApprovalPolicy | undefined,
): ApprovalPolicy | undefined {
  if (entry.approval === false) return undefined;
  if (entry.approval) return entry.approval;
  return playbookApproval && isApprovableAction(entry.action) ? playbookApproval : undefined;
}

/** Within one playbook: `approval:` only on actions that can be held, and a playbook's holds one. */
export function playbookApprovalProblems(
  playbook: { approval?: ApprovalPolicy; actions: readonly ApprovalEntry[] },
  ctx: z.RefinementCtx,
): void {
  playbook.actions.forEach((entry, index) => {
    if (entry.approval && !isApprovableAction(entry.action))
      ctx.addIssue({
        code: "custom",
        path: ["actions", index, "approval"],
        message: `${entry.action} cannot wait for an approval (its service runs each command at once, and a person must not hold back an announcement); approval: is for ${APPROVABLE_ACTIONS.join(", ")}`,
      });
  });
  if (playbook.approval && !playbook.actions.some((entry) => heldWith(entry, playbook.approval))) {
    ctx.addIssue({
      code: "custom",
      path: ["approval"],
      message: `holds none of this playbook's actions (${playbook.actions.map((entry) => entry.action).join(", ")}); only ${APPROVABLE_ACTIONS.join(", ")} can wait for an approval`,
    });
  }
}

interface ResolvedPlaybook {
  name: string;
  actions: readonly { action: ActionName; after?: ActionName; approval?: ApprovalPolicy }[];
}

/**
 * Across the whole file, because playbooks merge per alert (decide.ts):
 * - nothing waits (`after:`) for an action any playbook holds — it would have no outcome until someone
 *   decides, so the later action would stop waiting when its `wait` ran out and run anyway (a kill
 *   before the evidence it was ordered after);
 * - the approvers of one action, united over the playbooks that hold it, fit in one approval
 *   (APPROVERS_MAX), as a merged decision unites them.
 */
export function fileApprovalProblems(
  file: { playbooks: readonly ResolvedPlaybook[] },
  ctx: z.RefinementCtx,
): void {
  const holders = new Map<ActionName, { playbook: string; approvers: Set<string> }>();
  file.playbooks.forEach((playbook, index) => {
    playbook.actions.forEach((entry, actionIndex) => {
      if (!entry.approval) return;
      const holder = holders.get(entry.action) ?? { playbook: playbook.name, approvers: new Set<string>() };
      const before = holder.approvers.size;
      for (const approver of entry.approval.approvers) holder.approvers.add(approver);
      if (holder.approvers.size > APPROVERS_MAX && before <= APPROVERS_MAX)
        ctx.addIssue({
          code: "custom",
          path: ["playbooks", index, "actions", actionIndex, "approval"],
          message: `${entry.action} is held by playbooks naming ${holder.approvers.size} approvers together (at most ${APPROVERS_MAX}: when several match one alert their approvers are united); use a group:`,
        });
      holders.set(entry.action, holder);
    });
  });
  file.playbooks.forEach((playbook, index) => {
    playbook.actions.forEach((entry, actionIndex) => {
      const holder = entry.after && holders.get(entry.after);
      if (!holder) return;
      const where = holder.playbook === playbook.name ? "this playbook" : `playbook ${holder.playbook}`;
      const consequence = entry.approval
        ? `the order would mean nothing (each held action goes when it is approved); drop after: or ${entry.after}'s approval`
        : `${entry.action} would stop waiting after its wait and run anyway; hold ${entry.action} instead, or order it after an action that is not held`;
      ctx.addIssue({
        code: "custom",
        path: ["playbooks", index, "actions", actionIndex, "after"],
        message: `after: ${entry.after}, which ${where} holds for an approval: it has no outcome until someone decides, so ${consequence}`,
      });
    });
  });
}
