// Each actioner works with exactly its generated role, and a verb outside it is a 403 that ends in a
// `failed` outcome naming the missing permission.
import { readFileSync } from "node:fs";
import { commandFromExample, runnerDepsForTest } from "@riposte/actioner-kit/testing";
import type { ActionOutcome } from "@riposte/contracts";
import { createApp as isolatorApp } from "@riposte/isolator";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { createApp as podKillerApp } from "@riposte/pod-killer";
import { createSilentLogger } from "@riposte/service-kit";
import { pushRequest } from "@riposte/service-kit/testing";
import { createApp as tainterApp } from "@riposte/tainter";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

const SERVICES = ["pod-killer", "isolator", "tainter"] as const;
type Service = (typeof SERVICES)[number];
const APPS = { "pod-killer": podKillerApp, isolator: isolatorApp, tainter: tainterApp };
const COMMANDS = {
  "pod-killer": () => commandFromExample("kill-pod", "sidekick-critical-drop-exec.json"),
  isolator: () => commandFromExample("isolate-pod", "modern-terminal-shell.json"),
  tainter: () => commandFromExample("taint-node", "host-level.json", { top: { priority: "Critical" } }),
};

let sim: SimCluster;
beforeAll(async () => {
  sim = await startSim({
    seed: demoSeed(),
    rbac: SERVICES.map((s) =>
      readFileSync(new URL(`../../infra/k8s/rbac/${s}.yaml`, import.meta.url), "utf8"),
    ),
    tokens: Object.fromEntries(
      SERVICES.map((s) => [`token-${s}`, `riposte-${s}@PROJECT_ID.iam.gserviceaccount.com`]),
    ),
    anonymous: "deny",
  });
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

async function run(service: Service, token: string) {
  const runner = runnerDepsForTest(service, sim.url, { token });
  const app = APPS[service]({
    push: { service, publisher: runner.publisher, logger: createSilentLogger() },
    runner,
  });
  const status = (await app.request("/", pushRequest(COMMANDS[service]()))).status;
  return { status, outcome: runner.publisher.on("action-outcomes")[0]?.message as ActionOutcome | undefined };
}

describe("generated RBAC", () => {
  it.each(SERVICES)("%s works with its own generated role", async (service) => {
    const { status, outcome } = await run(service, `token-${service}`);
    expect(status).toBe(204);
    expect(outcome).toMatchObject({ result: "done" });
  });

  it.each([
    ["pod-killer", "isolator", "delete pods in namespace jobs"],
    ["isolator", "tainter", "get networkpolicies.networking.k8s.io in namespace shop"],
    ["tainter", "pod-killer", "get nodes (cluster scope)"],
  ] as const)("%s with %s's role: 403 → failed, naming %s", async (service, other, permission) => {
    const { status, outcome } = await run(service, `token-${other}`);
    expect(status).toBe(204);
    expect(outcome).toMatchObject({
      result: "failed",
      details: expect.objectContaining({ status: 403, missingPermission: permission }),
    });
    expect(outcome?.reason).toMatch(/forbidden/);
  });
});
