// `riposte topology plan` shows the whole topology (what each topic is for, every subscription with its
// endpoint, retries and dead-letter queue), then what would change — also when nothing would.
import { uniqueName } from "@riposte/service-kit/testing";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { main } from "./main.js";

async function runCli(args: string[]) {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...line: unknown[]) => lines.push(line.join(" "));
  try {
    return { code: await main(args), output: lines.join("\n") };
  } finally {
    console.log = original;
  }
}

describe("riposte topology plan", () => {
  const saved = { ...process.env };
  beforeEach(() => {
    process.env.PUBSUB_EMULATOR_HOST = inject("pubsubEmulatorHost");
    process.env.GOOGLE_CLOUD_PROJECT = uniqueName("topology-plan");
    process.env.RIPOSTE_PORT_BASE = "18080";
  });
  afterEach(() => {
    for (const key of ["PUBSUB_EMULATOR_HOST", "GOOGLE_CLOUD_PROJECT", "RIPOSTE_PORT_BASE"]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it("lists topics, subscriptions, endpoints and dead-letter queues before and after an apply", async () => {
    const before = await runCli(["topology", "plan"]);
    expect(before.code).toBe(0);
    for (const expected of [
      "topic falco-events: Falco alerts, published by falcosidekick",
      "push router → http://127.0.0.1:18080/ (ack 30 s; retry 1–60 s; dead-letter → router-dead-letter after 20 attempts)",
      "push pod-killer → http://127.0.0.1:18083/",
      "pull pod-killer-dead-letter: inspect and replay pod-killer's dead letters (riposte dlq)",
      "push notifier-pod-killer-dead-letter → http://127.0.0.1:18082/dead-letters (ack 30 s; retry 10–300 s; no dead-letter queue)",
      "push scc-exporter-action-outcomes → http://127.0.0.1:18084/outcomes",
      "would change",
    ]) {
      expect(before.output).toContain(expected);
    }

    expect((await runCli(["topology", "apply"])).code).toBe(0);
    const after = await runCli(["topology", "plan"]);
    expect(after.output).toContain("push router → http://127.0.0.1:18080/");
    expect(after.output).toMatch(/: no changes$/m);
  });
});
