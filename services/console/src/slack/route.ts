// POST /slack/interactions: Slack's Request URL for the announcement's Approve / Deny buttons. In this
// order, and nothing of a later step before the earlier one passed: the body's size, Slack's signature
// over the raw bytes and its timestamp (401), the payload (400), the response_url's host (400). Then
// the click is worked — who clicked, decide(via slack), the in-place update — while Slack's request
// waits at most `ackWithinMs` (Slack gives up after 3 s and shows the clicker an error): a decision
// that takes longer still finishes, and is reported through response_url like any other. No error is
// swallowed: each is logged, and the clicker is told ephemerally.
import type { ApprovalRef } from "@riposte/contracts";
import type { Logger } from "@riposte/service-kit";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { OTHER_WORKSPACE, type SlackIdentity, type SlackIdentityResolver } from "./identity.js";
import { decidedMessage, decisionLine, ephemeral } from "./message-update.js";
import { parseInteraction, type SlackClick } from "./payload.js";
import { confineResponseUrl, createResponsePoster, type ResponsePoster } from "./response-url.js";
import { verifySlackSignature } from "./signature.js";

export const SLACK_INTERACTIONS_PATH = "/slack/interactions";

/** What the console's decide() is asked (design §3); `via` is always slack here. */
export interface SlackDecideRequest {
  ref: ApprovalRef;
  decision: "approved" | "denied";
  identity: string;
  via: "slack";
  reason?: string;
}

/** decide()'s answer as far as Slack needs it: when it was decided, or the refusal's words for the clicker. */
export type SlackDecideResult =
  | { ok: true; approval?: { decision?: { at: Date } | undefined } }
  | { ok: false; refusal: string; message: string };

/** A click refused before decide(): the clicker could not be named as an approver identity. */
export interface SlackIdentityRefusal {
  ref: ApprovalRef;
  slackUserId: string;
  reason: string;
}

export interface SlackInteractionsOptions {
  signingSecret: string;
  /** SLACK_TEAM_ID: a click by a member of another workspace (Slack Connect) is refused before anything. */
  teamId?: string | undefined;
  identity: SlackIdentityResolver;
  /** The only origin response URLs may have (SLACK_RESPONSE_URL_BASE). */
  responseUrlBase: string;
  decide: (request: SlackDecideRequest) => Promise<SlackDecideResult>;
  /** Keeps a refusal decide() never saw (an unknown Slack user); a non-approver is decide()'s to record. */
  recordRefusal?: (refusal: SlackIdentityRefusal) => Promise<void>;
  logger: Logger;
  /** Clock in ms (the signature's timestamp window, the decision's time). Default Date.now. */
  now?: () => number;
  /** Posts to a response URL. Default: fetch, no redirects, 3 s per attempt. */
  postResponse?: ResponsePoster;
  /** Longest Slack's request waits for the click's work before its 200. Default 2500 ms. */
  ackWithinMs?: number;
  /** Larger bodies get 413 unread. Default 1 MiB (a message of 50 full blocks, form-encoded). */
  maxBodyBytes?: number;
}

type Click = SlackClick & { url: URL };

/** Posts `body` to the click's response URL; one more attempt after a network error, 429 or 5xx. */
async function respond(options: SlackInteractionsOptions, click: Click, body: unknown, what: string) {
  const post = options.postResponse ?? createResponsePoster();
  const fields = { incident: click.ref.incident, action: click.ref.action, what };
  for (let attempt = 1; attempt <= 2; attempt += 1) {
    try {
      const status = await post(click.url, body);
      if (status === 200) return;
      options.logger.warn({ ...fields, status, attempt }, "slack: response_url refused the response");
      if (status !== 429 && status < 500) return;
    } catch (error) {
      options.logger.warn({ ...fields, err: error, attempt }, "slack: response_url could not be reached");
    }
  }
  options.logger.error(fields, "slack: the clicker was not told (response_url failed twice)");
}

async function decideClick(options: SlackInteractionsOptions, click: Click, identity: string): Promise<void> {
  const { ref, decision } = click;
  const label = `${ref.action} of incident ${ref.incident.slice(0, 12)}`;
  let result: SlackDecideResult;
  try {
    result = await options.decide({ ref, decision, identity, via: "slack" });
  } catch (error) {
    options.logger.error({ ...ref, decision, identity, err: error }, "slack: decide failed");
    const text = `Riposte could not confirm your decision on ${label} (an error, logged). Check \`riposte approvals list\` or the console before clicking again.`;
    await respond(options, click, ephemeral(text), "decide-error");
    return;
  }
  if (!result.ok) {
    options.logger.info({ ...ref, decision, identity, refusal: result.refusal }, "slack: decision refused");
    await respond(options, click, ephemeral(result.message), `refusal:${result.refusal}`);
    return;
  }
  const at = result.approval?.decision?.at ?? new Date((options.now ?? Date.now)());
  options.logger.info({ ...ref, decision, identity }, "slack: decided");
  const updated = decidedMessage(click, identity, at);
  // No announcement to update (no message, or its block is gone): the clicker is told instead.
  const body = updated ?? { ...ephemeral(""), text: decisionLine(ref.action, decision, identity, at) };
  await respond(options, click, body, updated ? "update" : "decided-ephemeral");
}

/** A click refused before decide(): logged, recorded (as `slack:U…`), and the clicker alone is told. */
async function refuseClick(
  options: SlackInteractionsOptions,
  click: Click,
  who: Extract<SlackIdentity, { ok: false }>,
): Promise<void> {
  const { ref, slackUserId } = click;
  options.logger.warn(
    { ...ref, slackUserId, teamId: click.teamId, reason: who.reason, detail: who.detail },
    "slack: click refused: the clicker is not a known approver identity",
  );
  await options
    .recordRefusal?.({ ref, slackUserId, reason: `slack user ${slackUserId}: ${who.reason}` })
    .catch((error: unknown) => options.logger.error({ ...ref, err: error }, "slack: refusal not recorded"));
  await respond(options, click, ephemeral(who.message), `identity:${who.reason}`);
}

/** The click's work after the request is verified and parsed; never rejects. */
async function workClick(options: SlackInteractionsOptions, click: Click): Promise<void> {
  const { ref, slackUserId } = click;
  try {
    // Before any lookup: a click with no team, or another one, is not from our workspace's members.
    if (options.teamId !== undefined && click.teamId !== options.teamId) {
      await refuseClick(options, click, {
        ...OTHER_WORKSPACE,
        detail: click.teamId === undefined ? "no team in the click" : "the click's team",
      });
      return;
    }
    const who = await options.identity(slackUserId);
    if (who.ok) await decideClick(options, click, who.identity);
    else await refuseClick(options, click, who);
  } catch (error) {
    options.logger.error({ ...ref, slackUserId, err: error }, "slack: a click's work failed");
  }
}

/** Resolves when `work` settles or `ms` passed, whichever is first; leaves no timer behind. */
async function within(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([work, elapsed]);
  clearTimeout(timer);
}

/** The hono sub-app serving POST /slack/interactions (mount with `app.route("/", …)`). */
export function slackInteractionsRoute(options: SlackInteractionsOptions): Hono {
  const app = new Hono();
  const { logger } = options;
  const now = options.now ?? Date.now;
  const limit = bodyLimit({
    maxSize: options.maxBodyBytes ?? 1024 * 1024,
    onError: (c) => c.text("request too large", 413),
  });
  app.post(SLACK_INTERACTIONS_PATH, limit, async (c) => {
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    const signed = verifySlackSignature(
      options.signingSecret,
      {
        timestamp: c.req.header("x-slack-request-timestamp"),
        signature: c.req.header("x-slack-signature"),
        rawBody,
      },
      now(),
    );
    if (!signed.ok) {
      logger.warn({ reason: signed.reason }, "slack: interaction refused (signature)");
      return c.text("invalid or expired Slack signature", 401);
    }
    const parsed = parseInteraction(Buffer.from(rawBody).toString("utf8"), c.req.header("content-type"));
    if (!parsed.ok) {
      logger.warn({ reason: parsed.reason }, "slack: interaction refused (payload)");
      return c.text(parsed.reason, 400);
    }
    const url = confineResponseUrl(parsed.click.responseUrl, options.responseUrlBase);
    if (!url.ok) {
      logger.warn({ reason: url.reason, ...parsed.click.ref }, "slack: interaction refused (response_url)");
      return c.text(url.reason, 400);
    }
    await within(workClick(options, { ...parsed.click, url: url.url }), options.ackWithinMs ?? 2_500);
    return c.body(null, 200);
  });
  return app;
}
