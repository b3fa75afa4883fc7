// The one function that turns arbitrary (attacker-controlled) text into something safe to put in a Slack
// mrkdwn text object: nothing in it can become a mention, a link, a broadcast or a way out of a code
// block, and it fits the length Slack allows where it goes. Every alert field the notifier posts and
// every word the console answers a Slack click with go through it (both services write to Slack).

/**
 * How the text is placed:
 * - `mrkdwn`: running text. `& < >` escaped and bare broadcasts defused; mrkdwn formatting (`*`, `_`)
 *   still applies, so use it for text Riposte composes or that only needs to be unable to ping/link.
 * - `code`: inline code (`` `…` ``), single line. Slack auto-links nothing inside code.
 * - `code-block`: a fenced block (` ``` … ``` `), newlines kept.
 */
export type SlackTextStyle = "mrkdwn" | "code" | "code-block";

export interface SlackTextOptions {
  style?: SlackTextStyle;
  /** Most characters (UTF-16 code units, as Slack counts them) of the result, fences and ellipsis included. */
  maxLength: number;
}

/** Invisible, and splits `@here` so that Slack no longer reads it as a broadcast. */
export const WORD_JOINER = "\u2060";
/** Separates backticks so that no run of three can close a code block. */
const ZERO_WIDTH_SPACE = "\u200b";
/** Looks like a backtick but is a letter: inline code cannot be closed early by the text inside. */
const MODIFIER_GRAVE = "\u02cb";
const ELLIPSIS = "…";

const FENCES: Record<SlackTextStyle, readonly [string, string]> = {
  mrkdwn: ["", ""],
  code: ["`", "`"],
  "code-block": ["```", "```"],
};

// C0/C1 controls except tab and newline, and the bidirectional overrides that make text display in a
// different order than it reads ("Trojan Source"): an alert must not be able to disguise itself.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const LINE_BREAKS = /\r\n|[\r\n\t\u2028\u2029]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Slack reads these as broadcasts in auto-parsed text; inside code they are harmless, but a payload
// should not contain one anywhere (a later edit could move the text out of the code span).
const BROADCASTS = /@(here|channel|everyone|group)/gi;

/** Makes `text` safe for Slack mrkdwn in the given style and cuts it to `maxLength` with an ellipsis. */
export function escapeForSlack(text: string, options: SlackTextOptions): string {
  const style = options.style ?? "mrkdwn";
  const [open, close] = FENCES[style];
  // Room for the fences, a zero-width space on each side in code blocks, and the ellipsis.
  const reserved = open.length + close.length + (style === "code-block" ? 2 : 0);
  if (options.maxLength < reserved + ELLIPSIS.length + 1) {
    throw new RangeError(`maxLength ${options.maxLength} is too small for style ${style}`);
  }
  const cleaned = clean(text, style);
  // Slack refuses empty code spans' meaning; a space keeps the layout without inventing content.
  if (cleaned === "" && style !== "mrkdwn") return `${open} ${close}`;

  const budget = options.maxLength - reserved;
  let body = "";
  const pieces = piecesOf(cleaned, style);
  for (let index = 0; index < pieces.length; index++) {
    const piece = pieces[index] as string;
    // Whole pieces only (an escape or a surrogate pair is never cut), keeping room for the ellipsis
    // unless this is the very last piece.
    const limit = index < pieces.length - 1 ? budget - ELLIPSIS.length : budget;
    if (body.length + piece.length > limit) {
      body += ELLIPSIS;
      break;
    }
    body += piece;
  }
  if (style === "code-block") {
    // A backtick next to a fence would lengthen it into something Slack may read differently.
    if (body.startsWith("`")) body = ZERO_WIDTH_SPACE + body;
    if (body.endsWith("`")) body += ZERO_WIDTH_SPACE;
  }
  return `${open}${body}${close}`;
}

function clean(text: string, style: SlackTextStyle): string {
  let out = text.replace(LONE_SURROGATE, "\ufffd");
  if (style === "code") out = out.replace(LINE_BREAKS, " ");
  else out = out.replace(/\r\n?/g, "\n").replace(/[\u2028\u2029]/g, "\n");
  out = out.replace(CONTROL_CHARACTERS, "");
  return out.replace(BROADCASTS, (_match, word: string) => `@${WORD_JOINER}${word}`);
}

/** Splits cleaned text into atoms that must never be cut: escapes, surrogate pairs, defused backticks. */
function piecesOf(text: string, style: SlackTextStyle): string[] {
  const pieces: string[] = [];
  const chars = Array.from(text);
  for (let index = 0; index < chars.length; index++) {
    const char = chars[index] as string;
    if (char === "&") pieces.push("&amp;");
    else if (char === "<") pieces.push("&lt;");
    else if (char === ">") pieces.push("&gt;");
    else if (char === "`" && style === "code") pieces.push(MODIFIER_GRAVE);
    else if (char === "`" && style === "code-block" && chars[index + 1] === "`") {
      pieces.push(`\`${ZERO_WIDTH_SPACE}`);
    } else pieces.push(char);
  }
  return pieces;
}

/**
 * `<!date^…|ISO>`: Slack shows the time in the reader's time zone, and clients that cannot render the
 * token show the ISO time to the second. Built from the number, never from text received.
 */
export function slackDateToken(at: Date): string {
  const seconds = Math.floor(at.getTime() / 1000);
  const fallback = new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
  return `<!date^${seconds}^{date_short_pretty} {time_secs}|${fallback}>`;
}
