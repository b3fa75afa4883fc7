// Checks a body the way Slack's incoming-webhook endpoint does before posting it: the answer codes
// (`invalid_payload`, `invalid_blocks`, `too_many_attachments`) and the Block Kit size limits the
// notifier must respect. Slack itself only answers the code; the problems list says which limit and
// where (a JSON pointer), so a failing test names the field.

/** Limits from Slack's Block Kit and incoming-webhook documentation. */
export const slackLimits = {
  /** Blocks per message (more → `invalid_blocks`). */
  blocksPerMessage: 50,
  /** Top-level `text`: Slack truncates longer messages rather than refusing them. */
  messageTextChars: 40_000,
  /** `text` of a section block. */
  sectionTextChars: 3000,
  /** `fields` of a section block: count and length of each. */
  sectionFields: 10,
  sectionFieldChars: 2000,
  /** `text` of a header block (plain_text only). */
  headerTextChars: 150,
  /** Elements of a context block. */
  contextElements: 10,
  /** Elements of an actions block. */
  actionsElements: 25,
  /** `block_id` of any block (and unique within a message). */
  blockIdChars: 255,
  /** A button: its label (plain_text), `action_id` (unique within its block) and `value`. */
  buttonTextChars: 75,
  actionIdChars: 255,
  buttonValueChars: 2000,
  /** A confirmation dialog: title, text, and its two buttons' labels. */
  confirmTitleChars: 100,
  confirmTextChars: 300,
  confirmButtonChars: 30,
  /** Attachments per message (more → `too_many_attachments`). */
  attachmentsPerMessage: 100,
} as const;

export type SlackPayloadError = "invalid_payload" | "invalid_blocks" | "too_many_attachments";

export type SlackPayloadCheck =
  | { ok: true; textTruncated: boolean }
  | { ok: false; error: SlackPayloadError; problems: string[] };

const knownBlockTypes = new Set([
  "section",
  "header",
  "context",
  "divider",
  "actions",
  "image",
  "rich_text",
  "input",
  "file",
  "video",
  "markdown",
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Validates a text object (`{type: "plain_text" | "mrkdwn", text}`) found at `pointer`. */
function checkTextObject(
  value: unknown,
  pointer: string,
  maxChars: number,
  problems: string[],
  allowed: readonly string[] = ["plain_text", "mrkdwn"],
): void {
  if (!isRecord(value)) {
    problems.push(`${pointer}: expected a text object {type, text}, got ${JSON.stringify(value)}`);
    return;
  }
  if (typeof value.type !== "string" || !allowed.includes(value.type)) {
    problems.push(
      `${pointer}/type: expected one of ${allowed.join(", ")}, got ${JSON.stringify(value.type)}`,
    );
  }
  if (typeof value.text !== "string") {
    problems.push(`${pointer}/text: expected a string`);
    return;
  }
  if (value.text.length === 0) problems.push(`${pointer}/text: must be more than 0 characters`);
  if (value.text.length > maxChars) {
    problems.push(`${pointer}/text: must be at most ${maxChars} characters, got ${value.text.length}`);
  }
}

const buttonStyles = ["primary", "danger"];

/** A confirmation dialog (`confirm` of an interactive element). */
function checkConfirm(confirm: unknown, pointer: string, problems: string[]): void {
  if (!isRecord(confirm)) {
    problems.push(`${pointer}: expected a confirmation dialog object`);
    return;
  }
  const plainOnly = ["plain_text"];
  checkTextObject(confirm.title, `${pointer}/title`, slackLimits.confirmTitleChars, problems, plainOnly);
  checkTextObject(confirm.text, `${pointer}/text`, slackLimits.confirmTextChars, problems);
  for (const key of ["confirm", "deny"] as const) {
    checkTextObject(confirm[key], `${pointer}/${key}`, slackLimits.confirmButtonChars, problems, plainOnly);
  }
  if (confirm.style !== undefined && !buttonStyles.includes(String(confirm.style))) {
    problems.push(`${pointer}/style: expected primary or danger, got ${JSON.stringify(confirm.style)}`);
  }
}

/** A button element of an actions block (other element types are not checked). */
function checkButton(element: Record<string, unknown>, pointer: string, problems: string[]): void {
  checkTextObject(element.text, `${pointer}/text`, slackLimits.buttonTextChars, problems, ["plain_text"]);
  if (typeof element.action_id === "string" && element.action_id.length > slackLimits.actionIdChars) {
    problems.push(`${pointer}/action_id: must be at most ${slackLimits.actionIdChars} characters`);
  }
  if (element.value !== undefined) {
    if (typeof element.value !== "string") problems.push(`${pointer}/value: expected a string`);
    else if (element.value.length > slackLimits.buttonValueChars) {
      problems.push(`${pointer}/value: must be at most ${slackLimits.buttonValueChars} characters`);
    }
  }
  if (element.style !== undefined && !buttonStyles.includes(String(element.style))) {
    problems.push(`${pointer}/style: expected primary or danger, got ${JSON.stringify(element.style)}`);
  }
  if (element.confirm !== undefined) checkConfirm(element.confirm, `${pointer}/confirm`, problems);
}

function checkActionElements(elements: unknown[], pointer: string, problems: string[]): void {
  const actionIds = new Set<string>();
  elements.forEach((element, index) => {
    const at = `${pointer}/elements/${index}`;
    if (!isRecord(element)) {
      problems.push(`${at}: expected an element object`);
      return;
    }
    if (typeof element.action_id === "string") {
      if (actionIds.has(element.action_id)) {
        problems.push(`${at}/action_id: ${JSON.stringify(element.action_id)} is not unique in its block`);
      }
      actionIds.add(element.action_id);
    }
    if (element.type === "button") checkButton(element, at, problems);
  });
}

function checkBlock(block: unknown, pointer: string, problems: string[]): void {
  if (!isRecord(block)) {
    problems.push(`${pointer}: expected a block object`);
    return;
  }
  const type = block.type;
  if (typeof type !== "string" || !knownBlockTypes.has(type)) {
    problems.push(`${pointer}/type: unknown block type ${JSON.stringify(type)}`);
    return;
  }
  if (typeof block.block_id === "string" && block.block_id.length > slackLimits.blockIdChars) {
    problems.push(`${pointer}/block_id: must be at most ${slackLimits.blockIdChars} characters`);
  }
  switch (type) {
    case "section": {
      if (block.text === undefined && block.fields === undefined) {
        problems.push(`${pointer}: a section needs text or fields`);
      }
      if (block.text !== undefined) {
        checkTextObject(block.text, `${pointer}/text`, slackLimits.sectionTextChars, problems);
      }
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields)) {
          problems.push(`${pointer}/fields: expected an array`);
        } else {
          if (block.fields.length > slackLimits.sectionFields) {
            problems.push(
              `${pointer}/fields: at most ${slackLimits.sectionFields} items, got ${block.fields.length}`,
            );
          }
          block.fields.forEach((field, index) => {
            checkTextObject(field, `${pointer}/fields/${index}`, slackLimits.sectionFieldChars, problems);
          });
        }
      }
      break;
    }
    case "header":
      checkTextObject(block.text, `${pointer}/text`, slackLimits.headerTextChars, problems, ["plain_text"]);
      break;
    case "context": {
      if (!Array.isArray(block.elements) || block.elements.length === 0) {
        problems.push(`${pointer}/elements: expected a non-empty array`);
      } else if (block.elements.length > slackLimits.contextElements) {
        problems.push(
          `${pointer}/elements: at most ${slackLimits.contextElements} items, got ${block.elements.length}`,
        );
      }
      break;
    }
    case "actions": {
      if (!Array.isArray(block.elements) || block.elements.length === 0) {
        problems.push(`${pointer}/elements: expected a non-empty array`);
      } else if (block.elements.length > slackLimits.actionsElements) {
        problems.push(
          `${pointer}/elements: at most ${slackLimits.actionsElements} items, got ${block.elements.length}`,
        );
      } else {
        checkActionElements(block.elements, pointer, problems);
      }
      break;
    }
    default:
      break;
  }
}

function checkBlocks(blocks: unknown, pointer: string, problems: string[]): void {
  if (!Array.isArray(blocks)) {
    problems.push(`${pointer}: expected an array of blocks`);
    return;
  }
  if (blocks.length > slackLimits.blocksPerMessage) {
    problems.push(`${pointer}: at most ${slackLimits.blocksPerMessage} blocks, got ${blocks.length}`);
  }
  const blockIds = new Set<string>();
  blocks.forEach((block, index) => {
    checkBlock(block, `${pointer}/${index}`, problems);
    if (isRecord(block) && typeof block.block_id === "string") {
      if (blockIds.has(block.block_id)) {
        problems.push(`${pointer}/${index}/block_id: ${JSON.stringify(block.block_id)} is not unique`);
      }
      blockIds.add(block.block_id);
    }
  });
}

/** Checks a parsed webhook body as Slack would; `body` is the result of JSON.parse (or undefined). */
export function checkSlackPayload(body: unknown): SlackPayloadCheck {
  if (!isRecord(body)) {
    return { ok: false, error: "invalid_payload", problems: ["/: expected a JSON object"] };
  }
  const hasText = typeof body.text === "string" && body.text.length > 0;
  const hasBlocks = body.blocks !== undefined;
  const hasAttachments = body.attachments !== undefined;
  if (!hasText && !hasBlocks && !hasAttachments) {
    return {
      ok: false,
      error: "invalid_payload",
      problems: ["/: a message needs a non-empty text, blocks or attachments"],
    };
  }
  if (body.text !== undefined && typeof body.text !== "string") {
    return { ok: false, error: "invalid_payload", problems: ["/text: expected a string"] };
  }

  const problems: string[] = [];
  if (hasAttachments) {
    if (!Array.isArray(body.attachments)) {
      return { ok: false, error: "invalid_payload", problems: ["/attachments: expected an array"] };
    }
    if (body.attachments.length > slackLimits.attachmentsPerMessage) {
      return {
        ok: false,
        error: "too_many_attachments",
        problems: [
          `/attachments: at most ${slackLimits.attachmentsPerMessage} items, got ${body.attachments.length}`,
        ],
      };
    }
    body.attachments.forEach((attachment, index) => {
      if (isRecord(attachment) && attachment.blocks !== undefined) {
        checkBlocks(attachment.blocks, `/attachments/${index}/blocks`, problems);
      }
    });
  }
  if (hasBlocks) checkBlocks(body.blocks, "/blocks", problems);
  if (problems.length > 0) return { ok: false, error: "invalid_blocks", problems };

  const textTruncated = typeof body.text === "string" && body.text.length > slackLimits.messageTextChars;
  return { ok: true, textTruncated };
}
