// Commands that need the emulator or a `riposte dev` receiver fail within seconds, in one line,
// when nothing listens there (they used to retry gRPC for ~90 s and print 1,500 characters).
import { createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "./main.js";

/** A port that was free a moment ago: nothing listens on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function runCli(args: string[]) {
  const errors: string[] = [];
  const original = console.error;
  console.error = (...line: unknown[]) => errors.push(line.join(" "));
  const started = Date.now();
  try {
    const code = await main(args);
    return { code, errors, ms: Date.now() - started };
  } finally {
    console.error = original;
  }
}

describe("riposte commands with nothing running", () => {
  let saved: string | undefined;
  let port: number;
  beforeEach(async () => {
    saved = process.env.PUBSUB_EMULATOR_HOST;
    port = await closedPort();
    process.env.PUBSUB_EMULATOR_HOST = `127.0.0.1:${port}`;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
    else process.env.PUBSUB_EMULATOR_HOST = saved;
  });

  it.each([
    [["send", "examples/sidekick-critical-drop-exec.json"]],
    [["topology", "plan"]],
    [["dlq", "list", "pod-killer"]],
    [["quarantine", "list"]],
  ])(
    "riposte %j says in one line that no emulator listens, within seconds",
    async (args) => {
      const { code, errors, ms } = await runCli(
        args.map((arg) => (arg.startsWith("examples/") ? `${__dirname}/../../../${arg}` : arg)),
      );
      expect(code).toBe(1);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        new RegExp(`^riposte \\w+: error: no Pub/Sub emulator is running at 127\\.0\\.0\\.1:${port}`),
      );
      expect(errors[0]?.length).toBeLessThan(300);
      expect(ms).toBeLessThan(5_000);
    },
    15_000,
  );

  it("riposte trace says in one line that no trace receiver is running", async () => {
    const { code, errors, ms } = await runCli([
      "trace",
      "0123456789abcdef0123456789abcdef",
      "--receiver",
      `http://127.0.0.1:${port}`,
    ]);
    expect(code).toBe(1);
    expect(errors).toEqual([
      `riposte trace: error: no trace receiver is running at http://127.0.0.1:${port} (start \`npm start\`, or pass --receiver URL or --project P)`,
    ]);
    expect(ms).toBeLessThan(5_000);
  }, 15_000);
});
