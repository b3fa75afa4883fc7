import { describe, expect, it } from "vitest";
import { parsePushEnvelope } from "./envelope.js";
import { pushEnvelope } from "./testing/envelope.js";

const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));

describe("parsePushEnvelope", () => {
  it("decodes data, attributes, ids and times", () => {
    const result = parsePushEnvelope(
      bytes(pushEnvelope({ hello: "world" }, { rule: "x" }, { messageId: "42", deliveryAttempt: 3 })),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(new TextDecoder().decode(result.value.message.data)).toBe('{"hello":"world"}');
    expect(result.value.message.attributes).toEqual({ rule: "x" });
    expect(result.value.message.messageId).toBe("42");
    expect(result.value.deliveryAttempt).toBe(3);
    expect(result.value.subscription).toMatch(/subscriptions/);
  });

  it("accepts the snake_case ids the emulator also sends, and a message with no data", () => {
    const result = parsePushEnvelope(bytes({ message: { message_id: "7", attributes: { a: "b" } } }));
    expect(result.ok && result.value.message.messageId).toBe("7");
    expect(result.ok && result.value.message.data.byteLength).toBe(0);
  });

  it.each([
    ["not json", "{", "$", /not JSON/],
    ["not an object", "[1]", "$", /JSON object/],
    ["no message", { subscription: "s" }, "$.message", /missing/],
    ["no message id", { message: { data: "e30=" } }, "$.message.messageId", /missing/],
    ["bad base64", { message: { messageId: "1", data: "!!!" } }, "$.message.data", /base64/],
    ["unpadded base64", { message: { messageId: "1", data: "e30" } }, "$.message.data", /base64/],
    ["numeric data", { message: { messageId: "1", data: 5 } }, "$.message.data", /base64/],
    [
      "attribute not a string",
      { message: { messageId: "1", attributes: { a: 1 } } },
      '$.message.attributes["a"]',
      /strings/,
    ],
    [
      "negative attempt",
      { message: { messageId: "1" }, deliveryAttempt: -1 },
      "$.deliveryAttempt",
      /integer/,
    ],
  ])("rejects %s with a path", (_, body, path, message) => {
    const result = parsePushEnvelope(bytes(body));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.path).toBe(path);
    expect(result.error.message).toMatch(message);
  });

  it("rejects bytes that are not UTF-8", () => {
    const result = parsePushEnvelope(new Uint8Array([0xff, 0xfe, 0x7b]));
    expect(result).toEqual({ ok: false, error: { path: "$", message: "push body is not valid UTF-8" } });
  });

  it("keeps __proto__ attribute keys as plain data", () => {
    const result = parsePushEnvelope(
      bytes('{"message":{"messageId":"1","attributes":{"__proto__":"x","constructor":"y"}}}'),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.getPrototypeOf(result.value.message.attributes)).toBe(Object.prototype);
    expect(Object.keys(result.value.message.attributes)).toEqual(["__proto__", "constructor"]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
