// Quarantines with a lease (isolate-pod with a ttl): soonest expiry first, with an Extend form — a
// ledger write, as `riposte quarantine extend` does — and a Release form. Releasing needs the cluster
// (the isolator's releaseQuarantine patches the pod and deletes its policies, then a follow-up is
// published), which the console has no access to and keeps not having: the form records the person's
// request in the ledger and makes the lease due now, and the isolator's scheduled release (every
// minute) lifts it in their name. The `riposte release` command stays shown as the immediate way.
import { durationMs, parseOperatorReason, quarantineTtlProblem } from "@riposte/contracts";
import { QuarantinedPod, type QuarantineLease, shortKey } from "@riposte/ledger";
import type { FC } from "hono/jsx";
import { z } from "zod";
import type { ConsoleActor } from "../iap/middleware.js";
import { CSRF_FIELD } from "./csrf.js";
import type { ConsolePagesDeps, PageDecisionResult } from "./deps.js";
import { firstProblem, REASON_MAX_CHARS, Reason } from "./forms.js";
import { type Frame, Layout, State, Time } from "./layout.js";

export const ExtendForm = z.strictObject({
  [CSRF_FIELD]: z.string(),
  cluster: z.string(),
  namespace: z.string(),
  pod: z.string(),
  podUid: z.string(),
  ttl: z.string().superRefine((ttl, ctx) => {
    const problem = quarantineTtlProblem(ttl.slice(0, 40));
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  reason: Reason,
});

/** A release's reason is required: it is the pod's Event, the ledger's audit and the outcome's. */
export const RequiredReason = z
  .string()
  .max(4_000)
  .transform((text, ctx) => {
    const parsed = parseOperatorReason(text);
    if (parsed.ok) return parsed.reason;
    ctx.addIssue({ code: "custom", message: parsed.error.replace("--reason", "the reason") });
    return z.NEVER;
  });

export const ReleaseForm = z.strictObject({
  [CSRF_FIELD]: z.string(),
  cluster: z.string(),
  namespace: z.string(),
  pod: z.string(),
  podUid: z.string(),
  reason: RequiredReason,
});

const PodFields: FC<{ csrf: string; lease: QuarantineLease }> = ({ csrf, lease }) => (
  <>
    <input type="hidden" name={CSRF_FIELD} value={csrf} />
    <input type="hidden" name="cluster" value={lease.cluster} />
    <input type="hidden" name="namespace" value={lease.namespace} />
    <input type="hidden" name="pod" value={lease.pod} />
    <input type="hidden" name="podUid" value={lease.podUid} />
  </>
);

const ReleaseButton: FC<{ csrf: string; lease: QuarantineLease }> = ({ csrf, lease }) => (
  <form class="release" method="post" action="/quarantines/release">
    <PodFields csrf={csrf} lease={lease} />
    <input
      name="reason"
      required
      placeholder="reason (required)"
      maxlength={REASON_MAX_CHARS}
      aria-label="reason for the release"
    />
    <button type="submit">Release</button>
  </form>
);

const ExtendButton: FC<{ csrf: string; lease: QuarantineLease }> = ({ csrf, lease }) => (
  <form class="extend" method="post" action="/quarantines/extend">
    <PodFields csrf={csrf} lease={lease} />
    <label>
      for <input name="ttl" value="12h" size={5} maxlength={8} aria-label="extend by (1m to 30d)" /> from now
    </label>
    <input name="reason" placeholder="reason (optional)" maxlength={REASON_MAX_CHARS} aria-label="reason" />
    <button type="submit">Extend</button>
  </form>
);

/** The release command for this lease; every part is a validated Kubernetes name (QuarantinedPod). */
export function releaseCommand(lease: QuarantineLease): string {
  return `npx riposte release ${lease.pod} -n ${lease.namespace} --cluster ${lease.cluster} --reason "…"`;
}

export const QuarantinesPage: FC<{
  frame: Frame;
  leases: QuarantineLease[];
  truncated: boolean;
}> = ({ frame, leases, truncated }) => (
  <Layout title="Quarantines" section="quarantines" frame={frame}>
    <p class="note">
      Pods the isolator quarantined with a ttl, until their lease ends (the isolator then lifts the quarantine
      within a minute). A pod isolated without a ttl has no lease and stays quarantined until someone runs{" "}
      <code>riposte release</code>; it is not listed here. Release asks the isolator, which has access to the
      cluster, to lift the quarantine in your name within a minute; the command shown does it at once.
    </p>
    {leases.length === 0 ? (
      <p class="note">No quarantine lease is held.</p>
    ) : (
      <table id="quarantines">
        <thead>
          <tr>
            <th>Pod</th>
            <th>Incident</th>
            <th>Lease ends (UTC)</th>
            <th>Extend</th>
            <th>Release</th>
          </tr>
        </thead>
        <tbody>
          {leases.map((lease) => (
            <tr>
              <td>
                <span class="mono">
                  {lease.namespace}/{lease.pod}
                </span>
                <div class="muted">
                  cluster {lease.cluster} · uid {lease.podUid}
                </div>
              </td>
              <td class="mono">
                <a href={`/incidents/${lease.incident}`}>{shortKey(lease.incident)}</a>
              </td>
              <td class="time">
                <Time at={lease.expiresAt.toISOString()} /> <State state={lease.state} />
              </td>
              <td>
                {lease.releaseRequest ? (
                  <span class="muted">
                    release requested by {lease.releaseRequest.by} at{" "}
                    <Time at={lease.releaseRequest.at.toISOString()} />: {lease.releaseRequest.reason}
                  </span>
                ) : lease.state === "held" ? (
                  <ExtendButton csrf={frame.csrf} lease={lease} />
                ) : (
                  <span class="muted">being released</span>
                )}
              </td>
              <td>
                {lease.state === "held" && !lease.releaseRequest && (
                  <ReleaseButton csrf={frame.csrf} lease={lease} />
                )}
                <div class="muted">
                  or at once: <code>{releaseCommand(lease)}</code>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
    {truncated && <p class="note">More leases are held than shown.</p>}
  </Layout>
);

/** An extend form, its CSRF check passed: the lease renewed to now + ttl, with who and why. */
export async function extendFromForm(
  deps: ConsolePagesDeps,
  actor: ConsoleActor,
  fields: Record<string, string>,
  now: Date,
): Promise<PageDecisionResult> {
  const form = ExtendForm.safeParse(fields);
  if (!form.success) return { ok: false, message: `Nothing extended: ${firstProblem(form.error)}.` };
  const pod = QuarantinedPod.safeParse(form.data);
  if (!pod.success) return { ok: false, message: `Nothing extended: ${firstProblem(pod.error)}.` };
  const expiresAt = new Date(now.getTime() + (durationMs(form.data.ttl) as number));
  const which = `pod ${pod.data.namespace}/${pod.data.pod} (cluster ${pod.data.cluster})`;
  const result = await deps.ledger.extendQuarantineLease(pod.data, expiresAt, {
    by: actor.identity,
    reason: form.data.reason ?? "extended from the console",
  });
  deps.logger?.info(
    { ...pod.data, by: actor.identity, outcome: result.outcome },
    "console: quarantine extend",
  );
  switch (result.outcome) {
    case "extended":
      return {
        ok: true,
        message: `The quarantine of ${which} (incident ${shortKey(result.lease.incident)}) now ends at ${expiresAt.toISOString()}.`,
      };
    case "none":
      return { ok: false, message: `Nothing extended: ${which} has no quarantine lease.` };
    default:
      return {
        ok: false,
        message: `Nothing extended: the lease on ${which} is ${result.outcome} — too late to extend; isolate it again.`,
      };
  }
}

/**
 * A release form, its CSRF check passed: the person's request recorded on the lease, which the
 * isolator's scheduled release then claims (it has the cluster access the console has not).
 */
export async function releaseFromForm(
  deps: ConsolePagesDeps,
  actor: ConsoleActor,
  fields: Record<string, string>,
): Promise<PageDecisionResult> {
  const form = ReleaseForm.safeParse(fields);
  if (!form.success) return { ok: false, message: `Nothing released: ${firstProblem(form.error)}.` };
  const pod = QuarantinedPod.safeParse(form.data);
  if (!pod.success) return { ok: false, message: `Nothing released: ${firstProblem(pod.error)}.` };
  const which = `pod ${pod.data.namespace}/${pod.data.pod} (cluster ${pod.data.cluster})`;
  const result = await deps.ledger.requestQuarantineRelease(pod.data, {
    by: actor.identity,
    reason: form.data.reason,
    via: "console",
  });
  deps.logger?.info(
    { ...pod.data, by: actor.identity, outcome: result.outcome },
    "console: quarantine release requested",
  );
  switch (result.outcome) {
    case "requested":
      return {
        ok: true,
        message: `release of ${which} requested by ${actor.identity}: the isolator lifts it within a minute.`,
      };
    case "none":
      return { ok: false, message: `Nothing released: ${which} has no quarantine lease.` };
    case "already-requested":
      return {
        ok: false,
        message: `Nothing requested: the release of ${which} was already requested by ${result.lease.releaseRequest?.by ?? "someone"} at ${result.lease.releaseRequest?.at.toISOString() ?? "?"}.`,
      };
    default:
      return {
        ok: false,
        message: `Nothing requested: the lease on ${which} is already ${result.outcome}.`,
      };
  }
}
