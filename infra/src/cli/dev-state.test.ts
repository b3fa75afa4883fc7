// One `riposte dev` per emulator and project: a second one refuses and leaves the first one's state
// file alone; another emulator/project (the npm-start e2e test) has a state file of its own.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { dirname } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readCliEnv } from "./config.js";
import { main } from "./main.js";
import { devStatePath } from "./pubsub-target.js";

const KEYS = ["PUBSUB_EMULATOR_HOST", "GOOGLE_CLOUD_PROJECT", "RIPOSTE_SIM_PORT"] as const;

describe("riposte dev state file", () => {
  const saved: Record<string, string | undefined> = {};
  let busy: Server;
  beforeEach(async () => {
    for (const key of KEYS) saved[key] = process.env[key];
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  });
  afterEach(async () => {
    for (const key of KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await new Promise((resolve) => busy.close(resolve));
  });

  it("is .riposte/dev.json for the default emulator and project, a file of its own otherwise", () => {
    delete process.env.PUBSUB_EMULATOR_HOST;
    delete process.env.GOOGLE_CLOUD_PROJECT;
    const standard = devStatePath(readCliEnv());
    expect(standard).toMatch(/\/\.riposte\/dev\.json$/);
    process.env.PUBSUB_EMULATOR_HOST = "127.0.0.1:45703";
    process.env.GOOGLE_CLOUD_PROJECT = "npm-start-1151";
    const other = devStatePath(readCliEnv());
    expect(other).not.toBe(standard);
    expect(other).toMatch(/\/\.riposte\/dev-127\.0\.0\.1_45703-npm-start-1151\.json$/);
  });

  it("a second riposte dev for the same emulator and project refuses and keeps the first one's state", async () => {
    process.env.PUBSUB_EMULATOR_HOST = "127.0.0.1:1";
    process.env.GOOGLE_CLOUD_PROJECT = `dev-state-test-${process.pid}`;
    // Were it to start anyway, the simulated cluster's port is taken: it fails at once.
    process.env.RIPOSTE_SIM_PORT = String((busy.address() as { port: number }).port);
    const path = devStatePath(readCliEnv());
    const first = `${JSON.stringify({ emulatorHost: "127.0.0.1:1", projectId: "p", services: [], pid: process.pid })}\n`;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, first);
    const errors: string[] = [];
    const logged: string[] = [];
    const [error, log, write] = [console.error, console.log, process.stdout.write];
    console.error = (...line: unknown[]) => errors.push(line.join(" "));
    console.log = (...line: unknown[]) => logged.push(line.join(" "));
    try {
      expect(await main(["dev"])).toBe(1);
    } finally {
      [console.error, console.log] = [error, log];
      process.stdout.write = write;
    }
    try {
      expect(existsSync(path) ? readFileSync(path, "utf8") : "(removed)").toBe(first);
      expect(errors).toEqual([
        `riposte dev: error: already running (pid ${process.pid}, emulator 127.0.0.1:1, project p; state ${path}): stop it first (Ctrl-C), or start this one with another PUBSUB_EMULATOR_HOST or GOOGLE_CLOUD_PROJECT`,
      ]);
    } finally {
      rmSync(path, { force: true });
    }
  }, 30_000);
});
