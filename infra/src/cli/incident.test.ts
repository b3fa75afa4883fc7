import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { resolveIncident } from "./incident.js";
import { main } from "./main.js";

const A = "5b25b744aa6f2d37a54580b6b7219577";
const B = "5b25b744aa6f00000000000000000000";
const C = "0123456789ab0123456789ab01234567";

describe("incident keys as typed: full or the 12-character short key from Slack", () => {
  it("a short key names the one known incident it starts", () => {
    expect(resolveIncident("0123456789ab", [A, C, C])).toBe(C);
    expect(resolveIncident(A, [])).toBe(A);
  });

  it("an ambiguous, unknown or malformed key is refused, never guessed", () => {
    expect(() => resolveIncident("5b25b744aa6f", [A, B, C])).toThrow(
      `5b25b744aa6f is ambiguous: 2 incidents start with it (${B}, ${A}); give the full key`,
    );
    expect(() => resolveIncident("ffffffffffff", [A])).toThrow("no known incident starts with ffffffffffff");
    expect(() => resolveIncident("5b25b7", [A])).toThrow(/expected an incident key .* got "5b25b7"/);
  });
});

describe("riposte trace SHORTKEY", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it("looks the short key up among the receiver's traces and prints the full incident's tree", async () => {
    const span = (traceId: string, spanId: string) => ({
      traceId,
      spanId,
      name: "push",
      service: "router",
      startTimeUnixNano: "1",
      durationMs: 1,
      attributes: {},
      statusCode: 0,
    });
    const asked: string[] = [];
    server = createServer((request, response) => {
      asked.push(request.url ?? "");
      const traceId = new URL(request.url ?? "", "http://x").searchParams.get("traceId");
      const spans = [span(A, "1"), span(C, "2")].filter((s) => !traceId || s.traceId === traceId);
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ spans }));
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const receiver = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const lines: string[] = [];
    const log = console.log;
    console.log = (...line: unknown[]) => lines.push(line.join(" "));
    try {
      expect(await main(["trace", "0123456789ab", "--receiver", receiver])).toBe(0);
    } finally {
      console.log = log;
    }
    expect(lines[0]).toBe(`incident ${C}: 1 spans across 1 services (router)`);
  });
});
