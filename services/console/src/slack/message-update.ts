// What the console posts to a click's response_url. A decision replaces the announcement in place:
// the same blocks, with the clicked action's buttons replaced by a line saying who decided and when,
// so nobody clicks a decided action again. A refusal (not an approver, already decided, past the
// deadline, …) is shown only to the person who clicked (ephemeral). Every word that is not the
// console's own is escaped.
import { escapeForSlack, slackDateToken } from "@riposte/service-kit";
import type { SlackBlock, SlackClick } from "./payload.js";

/** Slack's limits: 50 blocks per message, 3000 characters per text. */
const MAX_BLOCKS = 50;
const MAX_TEXT = 3000;

/** Inline code: Slack links and mentions nothing inside it. */
const code = (text: string, maxLength: number) => escapeForSlack(text, { style: "code", maxLength });

/** `user:alice@acme.com` reads as the address; `local:NAME` keeps its mark (it is not a verified person). */
function who(identity: string): string {
  return identity.startsWith("user:") ? identity.slice("user:".length) : identity;
}

/** "✅ kill-pod approved by `alice@acme.com` via Slack at <date>". */
export function decisionLine(
  action: string,
  decision: "approved" | "denied",
  identity: string,
  at: Date,
): string {
  const mark = decision === "approved" ? ":white_check_mark:" : ":no_entry_sign:";
  const verb = decision === "approved" ? "Approved" : "Denied";
  return `${mark} *${verb}* ${code(action, 80)} by ${code(who(identity), 300)} via Slack at ${slackDateToken(at)}`;
}

export interface ReplaceOriginal {
  replace_original: true;
  text: string;
  blocks: SlackBlock[];
}

/**
 * The announcement with the clicked block replaced by the decision line, or undefined when the click
 * carried no message or its block is gone (then the clicker is told ephemerally instead).
 */
export function decidedMessage(
  click: Pick<SlackClick, "message" | "blockId" | "ref" | "decision">,
  identity: string,
  at: Date,
): ReplaceOriginal | undefined {
  const blocks = click.message?.blocks;
  if (!blocks) return undefined;
  const index = blocks.findIndex((block) => block.block_id === click.blockId);
  if (index === -1 || blocks.length > MAX_BLOCKS) return undefined;
  const line = decisionLine(click.ref.action, click.decision, identity, at);
  const context: SlackBlock = {
    type: "context",
    elements: [{ type: "mrkdwn", text: line.slice(0, MAX_TEXT), verbatim: true }],
  };
  const replaced = blocks.map((block, position) => (position === index ? context : block));
  // The original text is the notifier's, already escaped, returned by Slack: kept as it is.
  const text =
    click.message?.text ??
    escapeForSlack(`${click.ref.action} ${click.decision} by ${who(identity)}`, { maxLength: MAX_TEXT });
  return { replace_original: true, text, blocks: replaced };
}

export interface Ephemeral {
  response_type: "ephemeral";
  replace_original: false;
  text: string;
}

/** A message only the clicker sees; `text` is escaped here, whatever it holds. */
export function ephemeral(text: string): Ephemeral {
  return {
    response_type: "ephemeral",
    replace_original: false,
    text: escapeForSlack(text, { maxLength: MAX_TEXT }),
  };
}
