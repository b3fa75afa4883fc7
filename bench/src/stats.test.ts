import { describe, expect, it } from "vitest";
import { parseResponse } from "./http-load.js";
import { markdownTable, renderText, textTable } from "./report.js";
import { formatRate, median, pairedRatio, quantile, summarize } from "./stats.js";

describe("statistics", () => {
  it("quantiles interpolate between closest ranks and ignore input order", () => {
    expect(quantile([4, 1, 3, 2], 0)).toBe(1);
    expect(quantile([4, 1, 3, 2], 1)).toBe(4);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([10, 20], 0.99)).toBeCloseTo(19.9);
    expect(summarize([5, 1, 9])).toEqual({
      n: 3,
      min: 1,
      p50: 5,
      p95: 8.6,
      p99: expect.closeTo(8.92),
      max: 9,
    });
  });

  it("refuses what has no answer", () => {
    expect(() => quantile([], 0.5)).toThrow(RangeError);
    expect(() => quantile([1], 1.5)).toThrow(/within 0…1/);
    expect(() => pairedRatio([1, 2], [1])).toThrow(/equally long/);
  });

  it("a paired ratio is the median of per-round ratios, so one disturbed round does not move it", () => {
    expect(pairedRatio([50, 50, 50], [100, 100, 1])).toBe(0.5);
  });

  it("formats rates with separators", () => {
    expect(formatRate(12345.6)).toBe("12,346/s");
  });
});

describe("report tables", () => {
  it("aligns text columns and escapes pipes in Markdown", () => {
    expect(textTable(["a", "bb"], [["long", "x"]])).toBe("a     bb\n----  --\nlong  x");
    expect(markdownTable(["h"], [["a|b"]])).toBe("| h |\n| --- |\n| a\\|b |");
  });

  it("puts every judged ratio, with its verdict, before the raw figures", () => {
    const text = renderText([
      {
        id: "9",
        title: "Example",
        ratios: [{ measure: "m", ratio: 0.4, shown: "40 %", goal: "≥ 50 %", met: false }],
        raw: [{ headers: ["x"], rows: [["1"]] }],
        notes: ["n"],
      },
    ]);
    expect(text.indexOf("MISSED")).toBeGreaterThan(0);
    expect(text.indexOf("MISSED")).toBeLessThan(text.indexOf("9. Example"));
  });
});

describe("load generator response parsing", () => {
  it("reads a 204 without body, a sized body and a chunked body, and waits for incomplete ones", () => {
    const noBody = Buffer.from("HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\nHTTP/1.1");
    expect(parseResponse(noBody)).toEqual({ status: 204, end: noBody.indexOf("HTTP/1.1", 5) });
    const sized = Buffer.from("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\n\r\nbusy");
    expect(parseResponse(sized)).toEqual({ status: 503, end: sized.length });
    expect(parseResponse(sized.subarray(0, sized.length - 1))).toBeUndefined();
    const chunked = Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
    expect(parseResponse(chunked)).toEqual({ status: 200, end: chunked.length });
    expect(parseResponse(Buffer.from("HTTP/1.1 200 OK\r\n"))).toBeUndefined();
  });
});
