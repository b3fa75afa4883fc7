import { describe, expect, it } from "vitest";
import { displayData } from "./dlq.js";

describe("riposte quarantine/dlq show: the original bytes", () => {
  it("prints them exactly: a 19-digit evt.time is not rounded, spacing and key order kept", () => {
    const original = '{"rule":"r", "output_fields":{"evt.time":1553793029724747835,"b":1,"a":2}}';
    expect(displayData(Buffer.from(original))).toBe(original);
  });

  it("keeps line breaks, shows control characters escaped, and says when the bytes are not UTF-8", () => {
    expect(displayData(Buffer.from('{"a":\n"x\u001b[2Jy"}'))).toBe('{"a":\n"x\\u001b[2Jy"}');
    expect(displayData(Buffer.from([0x7b, 0xff, 0x7d]))).toBe("(not UTF-8: 3 bytes, base64) e/99");
  });
});
