// Attack tests (adversarial review of issue 15 #7): a short key typed to `riposte trace` that several
// incidents in the local receiver start with is refused through the whole command (nothing printed for
// either incident), and near-miss keys are never widened into a prefix search.
import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { UsageError } from "./command.js";
import { resolveIncident } from "./incident.js";
import { main } from "./main.js";

const A = "5b25b744aa6f2d37a54580b6b7219577";
const B = "5b25b744aa6f00000000000000000000";

describe("attack: short keys", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it("`riposte trace` with an ambiguous short key fails, listing both, and prints no tree", async () => {
    const asked: string[] = [];
    server = createServer((request, response) => {
      asked.push(request.url ?? "");
      const span = (traceId: string) => ({
        traceId,
        spanId: traceId.slice(0, 16),
        name: "push",
        service: "router",
        startTimeUnixNano: "1",
        durationMs: 1,
        attributes: {},
        statusCode: 0,
      });
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ spans: [span(A), span(B)] }));
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const receiver = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const printed: string[] = [];
    const log = console.log;
    console.log = (...line: unknown[]) => printed.push(line.join(" "));
    const error = console.error;
    console.error = (...line: unknown[]) => printed.push(line.join(" "));
    let code: number | undefined;
    try {
      code = await main(["trace", "5b25b744aa6f", "--receiver", receiver]);
    } catch (thrown) {
      printed.push(String(thrown));
    } finally {
      console.log = log;
      console.error = error;
    }
    expect(code).not.toBe(0);
    expect(printed.join("\n")).toContain("ambiguous");
    expect(printed.join("\n")).not.toMatch(/spans across/);
    expect(asked.some((url) => url.includes("traceId="))).toBe(false);
  });

  it("near-miss keys are refused, never treated as prefixes", () => {
    for (const typed of [
      "5B25B744AA6F",
      " 5b25b744aa6f",
      "5b25b744aa6f ",
      "5b25b744aa6f2",
      "5b25b744aa6",
      "5b25b744aa6f*",
      "",
    ]) {
      expect(() => resolveIncident(typed, [A]), JSON.stringify(typed)).toThrow(UsageError);
    }
  });
});
