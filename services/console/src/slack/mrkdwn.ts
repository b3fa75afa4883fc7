// Text the console puts in a Slack message (an identity, a refusal's words): made unable to mention,
// link, broadcast, disguise itself or break out of inline code, and cut to a length. The notifier has
// its own escaper for alerts (services do not share code); this is the small part the console needs.

// C0/C1 controls and the bidirectional overrides ("Trojan Source"); line breaks become spaces.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const BROADCASTS = /@(here|channel|everyone|group)/gi;
/** Invisible; splits `@here` so Slack no longer reads it as a broadcast. */
const WORD_JOINER = "\u2060";
/** Looks like a backtick but cannot close inline code. */
const MODIFIER_GRAVE = "\u02cb";

function cut(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  let end = maxLength - 1;
  // Never split a surrogate pair or an entity.
  if (/[\ud800-\udbff]/.test(text.charAt(end - 1))) end -= 1;
  const amp = text.lastIndexOf("&", end);
  if (amp !== -1 && text.indexOf(";", amp) >= end) end = amp;
  return `${text.slice(0, end)}…`;
}

/** Running mrkdwn text: `& < >` as entities, no controls, no broadcasts; at most `maxLength`. */
export function escapeMrkdwn(text: string, maxLength: number): string {
  const cleaned = text
    .replace(LONE_SURROGATE, "\ufffd")
    .replace(CONTROLS, " ")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replace(BROADCASTS, (match) => `@${WORD_JOINER}${match.slice(1)}`);
  return cut(cleaned, maxLength);
}

/** Inline code (Slack links and mentions nothing inside it), the text escaped as above. */
export function inlineCode(text: string, maxLength: number): string {
  const inner = escapeMrkdwn(text.replaceAll("`", MODIFIER_GRAVE), maxLength - 2);
  return `\`${inner === "" ? " " : inner}\``;
}

/**
 * `<!date^…|ISO>`: Slack shows the time in the reader's zone, other clients the ISO time. Built from
 * the parsed number, never from the text given.
 */
export function slackDate(at: Date): string {
  const seconds = Math.floor(at.getTime() / 1000);
  const iso = new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
  return `<!date^${seconds}^{date_short_pretty} {time_secs}|${iso}>`;
}
