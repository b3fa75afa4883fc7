// Held actions: the ones awaiting a decision (soonest deadline first) with Approve / Deny forms, and
// the decided ones by state. A form posts to /approvals/decide, which calls the console's one decide
// (via "console", as the signed-in actor) and redirects with what happened; it never decides itself.
import { APPROVAL_STATES, ApprovalRef, type ApprovalState } from "@riposte/contracts";
import { type ApprovalView, describeTarget, shortKey, targetViewOf } from "@riposte/ledger";
import type { Context } from "hono";
import type { FC } from "hono/jsx";
import { z } from "zod";
import type { ConsoleActor } from "../iap/middleware.js";
import { CSRF_FIELD } from "./csrf.js";
import type { ConsolePagesDeps, PageDecisionResult } from "./deps.js";
import { firstProblem, REASON_MAX_CHARS, Reason } from "./forms.js";
import { type Frame, Layout, State, Time } from "./layout.js";

/** Where a decide form came from, so the answer lands there (a fixed set: never a URL from the form). */
const BACK = ["approvals", "incident"] as const;

export const DecideForm = z.strictObject({
  [CSRF_FIELD]: z.string(),
  incident: z.string(),
  action: z.string(),
  decision: z.enum(["approve", "deny"], { error: "expected approve or deny" }),
  reason: Reason,
  back: z.enum(BACK).default("approvals"),
});

export const DecideButtons: FC<{
  csrf: string;
  incident: string;
  action: string;
  back: (typeof BACK)[number];
}> = ({ csrf, incident, action, back }) => (
  <form class="decide" method="post" action="/approvals/decide">
    <input type="hidden" name={CSRF_FIELD} value={csrf} />
    <input type="hidden" name="incident" value={incident} />
    <input type="hidden" name="action" value={action} />
    <input type="hidden" name="back" value={back} />
    <label class="muted">
      Reason (optional, shown with the decision)
      <input name="reason" maxlength={REASON_MAX_CHARS} />
    </label>
    <div class="buttons">
      <button type="submit" class="approve" name="decision" value="approve">
        Approve {action}
      </button>
      <button type="submit" class="deny" name="decision" value="deny">
        Deny
      </button>
    </div>
  </form>
);

function minutesLeft(deadline: Date, now: Date): string {
  const ms = deadline.getTime() - now.getTime();
  if (ms <= 0) return "deadline passed: the scheduled call applies on_timeout within a minute";
  const minutes = Math.floor(ms / 60_000);
  return minutes >= 1 ? `${minutes} min left` : "under a minute left";
}

const Row: FC<{ approval: ApprovalView; frame: Frame; now: Date }> = ({ approval, frame, now }) => {
  const { command } = approval;
  return (
    <tr>
      <td class="mono">
        <a href={`/incidents/${approval.incident}`}>{shortKey(approval.incident)}</a>
      </td>
      <td class="mono">
        {approval.action}
        {command.dryRun ? " (dry run)" : ""}
      </td>
      <td>
        {describeTarget(targetViewOf(command.target))}
        <div class="muted">{command.alert.rule}</div>
      </td>
      <td class="time">
        <Time at={approval.deadline.toISOString()} />
        {approval.state === "awaiting-approval" && (
          <div class="muted">{minutesLeft(approval.deadline, now)}</div>
        )}
        <div class="muted">then {approval.onTimeout}</div>
      </td>
      <td class="mono">
        {approval.approvers.map((approver) => (
          <div>{approver}</div>
        ))}
      </td>
      <td>
        {approval.state === "awaiting-approval" ? (
          <DecideButtons
            csrf={frame.csrf}
            incident={approval.incident}
            action={approval.action}
            back="approvals"
          />
        ) : (
          <>
            <State state={approval.state} />
            {approval.decision && (
              <div>
                by <span class="mono">{approval.decision.by}</span> via {approval.decision.via},{" "}
                <Time at={approval.decision.at.toISOString()} />
                {approval.decision.reason && <div>“{approval.decision.reason}”</div>}
              </div>
            )}
          </>
        )}
        {approval.refusals.length > 0 && (
          <div class="muted">
            {approval.refusals.length} refused attempt{approval.refusals.length === 1 ? "" : "s"} (last by{" "}
            {approval.refusals.at(-1)?.by})
          </div>
        )}
      </td>
    </tr>
  );
};

export const ApprovalsPage: FC<{
  frame: Frame;
  state: ApprovalState;
  approvals: ApprovalView[];
  now: Date;
}> = ({ frame, state, approvals, now }) => (
  <Layout
    title={state === "awaiting-approval" ? "Approvals awaiting a decision" : `Approvals: ${state}`}
    section="approvals"
    frame={frame}
  >
    <p>
      {APPROVAL_STATES.map((name) => (
        <>{name === state ? <strong>{name}</strong> : <a href={`/approvals?state=${name}`}>{name}</a>} </>
      ))}
    </p>
    {approvals.length === 0 ? (
      <p class="note">
        {state === "awaiting-approval" ? "Nothing awaits a decision." : `No ${state} approvals.`}
      </p>
    ) : (
      <table id="approvals">
        <thead>
          <tr>
            <th>Incident</th>
            <th>Action</th>
            <th>Target</th>
            <th>Deadline (UTC)</th>
            <th>Approvers</th>
            <th>Decision</th>
          </tr>
        </thead>
        <tbody>
          {approvals.map((approval) => (
            <Row approval={approval} frame={frame} now={now} />
          ))}
        </tbody>
      </table>
    )}
  </Layout>
);

/** `?state=`: one of the approval states (default: awaiting); anything else is a problem naming it. */
export function approvalsState(
  query: URLSearchParams,
): { ok: true; state: ApprovalState } | { ok: false; problem: string } {
  if ([...query.keys()].some((key) => key !== "state") || query.getAll("state").length > 1)
    return { ok: false, problem: "the approvals page takes one parameter, state" };
  const state = query.get("state") ?? "awaiting-approval";
  return (APPROVAL_STATES as readonly string[]).includes(state)
    ? { ok: true, state: state as ApprovalState }
    : { ok: false, problem: `state: expected one of ${APPROVAL_STATES.join(", ")}` };
}

export type DecideAnswer = { redirect: string; result: PageDecisionResult };

/** A decide form, its CSRF check passed: validated, then the console's decide as this actor. */
export async function decideFromForm(
  deps: ConsolePagesDeps,
  actor: ConsoleActor,
  fields: Record<string, string>,
  c: Context,
): Promise<DecideAnswer> {
  const form = DecideForm.safeParse(fields);
  if (!form.success)
    return {
      redirect: "/approvals",
      result: { ok: false, message: `Nothing decided: ${firstProblem(form.error)}.` },
    };
  const ref = ApprovalRef.safeParse({ incident: form.data.incident, action: form.data.action });
  if (!ref.success)
    return {
      redirect: "/approvals",
      result: { ok: false, message: `Nothing decided: ${firstProblem(ref.error)}.` },
    };
  const redirect = form.data.back === "incident" ? `/incidents/${ref.data.incident}` : "/approvals";
  const decision = form.data.decision === "approve" ? "approved" : "denied";
  try {
    const result = await deps.decide({
      ref: ref.data,
      decision,
      identity: actor.identity,
      via: "console",
      ...(form.data.reason === undefined ? {} : { reason: form.data.reason }),
    });
    deps.logger?.info(
      { incident: ref.data.incident, action: ref.data.action, decision, by: actor.identity, ok: result.ok },
      "console: decision from the pages",
    );
    return { redirect, result };
  } catch (error) {
    deps.logger?.warn(
      {
        incident: ref.data.incident,
        action: ref.data.action,
        error: (error as Error).message,
        path: c.req.path,
      },
      "console: decide failed",
    );
    return {
      redirect,
      result: {
        ok: false,
        message: `The decision could not be completed (${(error as Error).message.split("\n")[0]}). Check the approval's state before trying again.`,
      },
    };
  }
}
