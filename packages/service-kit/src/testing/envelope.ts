// Builds Pub/Sub push bodies the way Pub/Sub sends them, for app.request tests.

let nextMessageId = 1000;

export interface PushEnvelopeOptions {
  messageId?: string;
  subscription?: string;
  deliveryAttempt?: number;
  publishTime?: string;
}

/**
 * A wrapped push body. `message` may be an object (JSON-encoded), a string, or raw bytes — the
 * latter two let tests send payloads that are not JSON at all.
 */
export function pushEnvelope(
  message: unknown,
  attributes: Record<string, string> = {},
  options: PushEnvelopeOptions = {},
): { subscription: string; message: Record<string, unknown>; deliveryAttempt?: number } {
  const bytes =
    message instanceof Uint8Array
      ? Buffer.from(message)
      : Buffer.from(typeof message === "string" ? message : JSON.stringify(message));
  const messageId = options.messageId ?? String(nextMessageId++);
  const publishTime = options.publishTime ?? new Date().toISOString();
  return {
    subscription: options.subscription ?? "projects/riposte-local/subscriptions/test",
    message: {
      data: bytes.toString("base64"),
      attributes,
      messageId,
      message_id: messageId,
      publishTime,
      publish_time: publishTime,
    },
    ...(options.deliveryAttempt === undefined ? {} : { deliveryAttempt: options.deliveryAttempt }),
  };
}

/** A `RequestInit` for `app.request(path, init)` carrying a push envelope. */
export function pushRequest(
  message: unknown,
  attributes: Record<string, string> = {},
  options: PushEnvelopeOptions & { headers?: Record<string, string> } = {},
): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...options.headers },
    body: JSON.stringify(pushEnvelope(message, attributes, options)),
  };
}
