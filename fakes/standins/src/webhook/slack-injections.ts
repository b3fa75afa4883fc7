// Finds, in a Slack message payload, everything Slack would turn into a mention or a link: the
// `<…>` control sequences (`<!channel>`, `<@U123>`, `<#C123>`, `<!subteam^…>`, `<https://x|click>`)
// and the bare `@here`/`@channel`/`@everyone` that Slack auto-parses in mrkdwn unless `verbatim` is
// set. Tests of the notifier feed it attacker-controlled alerts and assert the result is empty
// (apart from the links the notifier adds itself, which `allowLink` lets through).

export type SlackInjectionKind =
  /** `<!channel>`, `<!here>`, `<!everyone>`, `<!group>` and any other `<!…>` command. */
  | "broadcast"
  /** `<@U…>` / `<@W…>`: a user mention. */
  | "user-mention"
  /** `<#C…>`: a channel link. */
  | "channel-link"
  /** `<!subteam^…>`: a user-group mention. */
  | "usergroup-mention"
  /** `<!date^…>`: rendered text that differs from the source. */
  | "date"
  /** `<https://…|label>`, `<mailto:…>` or a URL-valued key (`url`, `image_url`, …). */
  | "link"
  /** Any other raw `<…>` sequence: escaping failed, even if Slack would render it harmlessly. */
  | "markup"
  /** `@here`, `@channel`, `@everyone` written bare in auto-parsed text. */
  | "bare-mention"
  /** `http://…` written bare in auto-parsed text, outside code (only with `bareUrls: true`). */
  | "bare-url";

export interface SlackInjection {
  kind: SlackInjectionKind;
  /** The text that would be interpreted, e.g. `<!channel>` or `https://x`. */
  match: string;
  /** JSON pointer of the string inside the payload, e.g. `/blocks/2/fields/0/text`. */
  path: string;
}

export interface FindSlackInjectionsOptions {
  /** Links the caller put there on purpose (trace link, SCC link): return true to not report them. */
  allowLink?: (url: string) => boolean;
  /** Also report bare URLs Slack would auto-link (outside code spans and verbatim text). Default false. */
  bareUrls?: boolean;
}

/** Keys whose value Slack uses as a URL target (buttons, images, attachment links). */
const urlValuedKeys = new Set([
  "url",
  "image_url",
  "thumb_url",
  "author_link",
  "author_icon",
  "title_link",
  "footer_icon",
]);

/** Identifiers and enum-like keys: never shown to people, so never a mention or link. */
const neverRenderedKeys = new Set(["type", "block_id", "action_id", "color", "value", "callback_id"]);

/** How Slack treats a string, from the object it sits in. */
type TextContext = "auto-parsed" | "verbatim" | "plain" | "url";

const controlSequence = /<([^<>]*)>/g;
const bareBroadcast = /(?<![\w@])@(here|channel|everyone)\b/gi;
const bareUrl = /\b(?:https?|ftp):\/\/[^\s<>|]+/gi;
const codeSpans = /```[\s\S]*?```|`[^`\n]*`/g;

function classify(inner: string): { kind: SlackInjectionKind; url?: string } {
  if (inner.startsWith("!subteam^")) return { kind: "usergroup-mention" };
  if (inner.startsWith("!date^")) return { kind: "date" };
  if (inner.startsWith("!")) return { kind: "broadcast" };
  if (inner.startsWith("@")) return { kind: "user-mention" };
  if (inner.startsWith("#")) return { kind: "channel-link" };
  const target = inner.split("|", 1)[0] ?? "";
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || inner.includes("|")) return { kind: "link", url: target };
  return { kind: "markup" };
}

function scanString(
  text: string,
  path: string,
  context: TextContext,
  options: FindSlackInjectionsOptions,
  found: SlackInjection[],
): void {
  if (context === "url") {
    if (!options.allowLink?.(text)) found.push({ kind: "link", match: text, path });
    return;
  }
  for (const m of text.matchAll(controlSequence)) {
    const { kind, url } = classify(m[1] ?? "");
    if (kind === "link" && url !== undefined && options.allowLink?.(url)) continue;
    found.push({ kind, match: m[0], path });
  }
  if (context !== "auto-parsed") return;
  for (const m of text.matchAll(bareBroadcast)) {
    found.push({ kind: "bare-mention", match: m[0], path });
  }
  if (options.bareUrls) {
    // Slack does not auto-link inside code, and `<…>` links were reported above.
    const outsideCode = text.replace(codeSpans, " ").replace(controlSequence, " ");
    for (const m of outsideCode.matchAll(bareUrl)) {
      if (!options.allowLink?.(m[0])) found.push({ kind: "bare-url", match: m[0], path });
    }
  }
}

function contextOfTextObject(owner: Record<string, unknown>): TextContext {
  if (owner.type === "plain_text") return "plain";
  if (owner.type === "mrkdwn" && owner.verbatim === true) return "verbatim";
  return "auto-parsed";
}

function walk(
  value: unknown,
  path: string,
  context: TextContext,
  options: FindSlackInjectionsOptions,
  found: SlackInjection[],
): void {
  if (typeof value === "string") {
    scanString(value, path, context, options, found);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      walk(item, `${path}/${index}`, context, options, found);
    });
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const record = value as Record<string, unknown>;
  const isTextObject = typeof record.text === "string" && typeof record.type === "string";
  for (const [key, child] of Object.entries(record)) {
    const childPath = `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
    let childContext: TextContext = "auto-parsed";
    if (urlValuedKeys.has(key) && typeof child === "string") childContext = "url";
    else if (key === "text" && isTextObject) childContext = contextOfTextObject(record);
    else if (neverRenderedKeys.has(key)) continue;
    walk(child, childPath, childContext, options, found);
  }
}

/**
 * Every mention or link Slack would render from `payload` (a parsed webhook body). Escaped text
 * (`&lt;!channel&gt;`) is not reported: Slack shows it literally.
 */
export function findSlackInjections(
  payload: unknown,
  options: FindSlackInjectionsOptions = {},
): SlackInjection[] {
  const found: SlackInjection[] = [];
  walk(payload, "", "auto-parsed", options, found);
  return found;
}
