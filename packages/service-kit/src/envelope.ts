// The Pub/Sub push envelope (wrapped delivery), parsed by hand so that every defect is named with its
// path, and so attacker-chosen attribute keys such as `__proto__` stay plain data.

export interface PushMessage {
  /** The payload bytes, base64-decoded. Empty when the message carried attributes only. */
  data: Uint8Array;
  attributes: Readonly<Record<string, string>>;
  messageId: string;
  publishTime?: string;
  orderingKey?: string;
}

export interface PushEnvelope {
  message: PushMessage;
  subscription?: string;
  /** Sent by the real service when the subscription has a dead-letter policy; never by the emulator. */
  deliveryAttempt?: number;
}

export interface DecodeFailure {
  path: string;
  message: string;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: DecodeFailure };

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

export function decodeUtf8(bytes: Uint8Array): Decoded<string> {
  try {
    return { ok: true, value: utf8.decode(bytes) };
  } catch {
    return { ok: false, error: { path: "$", message: "body is not valid UTF-8" } };
  }
}

function fail(path: string, message: string): { ok: false; error: DecodeFailure } {
  return { ok: false, error: { path, message } };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function parsePushEnvelope(body: Uint8Array): Decoded<PushEnvelope> {
  const text = decodeUtf8(body);
  if (!text.ok) return fail("$", "push body is not valid UTF-8");
  let root: unknown;
  try {
    root = JSON.parse(text.value);
  } catch (error) {
    return fail("$", `push body is not JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(root)) return fail("$", "push body must be a JSON object with a `message`");
  const message = root.message;
  if (!isPlainObject(message)) return fail("$.message", "missing or not an object");

  const messageId = message.messageId ?? message.message_id;
  if (typeof messageId !== "string" || messageId.length === 0) {
    return fail("$.message.messageId", "missing or not a non-empty string");
  }

  let data = new Uint8Array();
  if (message.data !== undefined && message.data !== null) {
    if (typeof message.data !== "string") return fail("$.message.data", "must be a base64 string");
    if (!STRICT_BASE64.test(message.data)) return fail("$.message.data", "is not valid base64");
    data = new Uint8Array(Buffer.from(message.data, "base64"));
  }

  const attributes: [string, string][] = [];
  if (message.attributes !== undefined && message.attributes !== null) {
    if (!isPlainObject(message.attributes)) return fail("$.message.attributes", "must be an object");
    for (const [key, value] of Object.entries(message.attributes)) {
      if (typeof value !== "string") {
        return fail(`$.message.attributes[${JSON.stringify(key)}]`, "attribute values must be strings");
      }
      attributes.push([key, value]);
    }
  }

  const publishTime = message.publishTime ?? message.publish_time;
  if (publishTime !== undefined && typeof publishTime !== "string") {
    return fail("$.message.publishTime", "must be a string");
  }
  if (root.subscription !== undefined && typeof root.subscription !== "string") {
    return fail("$.subscription", "must be a string");
  }
  const attempt = root.deliveryAttempt;
  if (attempt !== undefined && (typeof attempt !== "number" || !Number.isInteger(attempt) || attempt < 0)) {
    return fail("$.deliveryAttempt", "must be a non-negative integer");
  }

  return {
    ok: true,
    value: {
      message: {
        data,
        // fromEntries defines own data properties: a `__proto__` key cannot reach the prototype.
        attributes: Object.fromEntries(attributes),
        messageId,
        ...(typeof publishTime === "string" ? { publishTime } : {}),
        ...(typeof message.orderingKey === "string" ? { orderingKey: message.orderingKey } : {}),
      },
      ...(typeof root.subscription === "string" ? { subscription: root.subscription } : {}),
      ...(typeof attempt === "number" ? { deliveryAttempt: attempt } : {}),
    },
  };
}
