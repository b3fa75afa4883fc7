// An actioner's descriptor and app come from its action: the catalogue names its service and topic,
// the action says what it does, once.
import { ACTIONS, Topics } from "@riposte/contracts";
import { createSilentLogger } from "@riposte/service-kit";
import { pushRequest } from "@riposte/service-kit/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { EVENT_PERMISSION, kubernetesAction } from "./action.js";
import { createActionerApp, describeActioner } from "./service.js";
import { commandFromExample, runnerDepsForTest } from "./testing.js";

const refuseAll = kubernetesAction("isolate-pod", {
  description: "Refuses every command",
  permissions: [EVENT_PERMISSION],
  limits: [],
  async plan() {
    return { result: "refused", reason: "test" };
  },
});

describe("an actioner from its action", () => {
  it("takes its kind and Event reason from the catalogue", () => {
    expect(refuseAll).toMatchObject({
      name: "isolate-pod",
      kind: "IsolatePod",
      eventReason: ACTIONS["isolate-pod"].eventReason,
    });
  });

  it("is described by its action: service, topic and description written nowhere else", () => {
    const descriptor = describeActioner(refuseAll, { localPortOffset: 1 });
    expect(descriptor).toMatchObject({
      name: "isolator",
      description: "Refuses every command",
      localPortOffset: 1,
      inputs: [{ topic: Topics.isolator, path: "/", accepts: ["IsolatePod"] }],
      kubernetes: [EVENT_PERMISSION],
    });
  });

  it("decodes its own commands and runs them (createActionerApp)", async () => {
    // Refused while planning: the cluster (nothing listens there) is never called.
    const runner = runnerDepsForTest("isolator", "http://127.0.0.1:9");
    const app = createActionerApp(refuseAll, {
      push: { service: "isolator", publisher: runner.publisher, logger: createSilentLogger() },
      runner,
    });
    const command = commandFromExample("isolate-pod", "modern-terminal-shell.json");
    expect((await app.request("/", pushRequest(command))).status).toBe(204);
    expect(runner.publisher.on("action-outcomes")[0]?.message).toMatchObject({
      service: "isolator",
      action: "isolate-pod",
      result: "refused",
    });
  });

  it("an action's `uses`: its variables join the service's env, what is built from them reaches every plan", async () => {
    const seen: unknown[] = [];
    const usesBucket = kubernetesAction("isolate-pod", {
      description: "Refuses, saying which bucket it was given",
      permissions: [EVENT_PERMISSION],
      limits: [],
      async plan(_command, { uses }: { uses: { bucket: string } }) {
        seen.push(uses);
        return { result: "refused", reason: `bucket ${uses.bucket}` };
      },
    });
    const descriptor = describeActioner(usesBucket, {
      localPortOffset: 1,
      uses: {
        env: { TEST_BUCKET: z.string().min(3).describe("a bucket") },
        create: (config) => ({ bucket: config.TEST_BUCKET }),
      },
    });
    // The kit's variables stay; the action's join them (README tables and start-up validation read this).
    expect(Object.keys(descriptor.env.shape)).toEqual(expect.arrayContaining(["CLUSTERS", "TEST_BUCKET"]));
    expect(descriptor.env.safeParse({ CLUSTERS: "{}", TEST_BUCKET: "b" }).success).toBe(false);
    const uses = await descriptor.createUses?.({ TEST_BUCKET: "evidence" }, createSilentLogger());
    expect(uses).toEqual({ bucket: "evidence" });

    const runner = { ...runnerDepsForTest("isolator", "http://127.0.0.1:9"), uses };
    const app = createActionerApp(descriptor.action, {
      push: { service: "isolator", publisher: runner.publisher, logger: createSilentLogger() },
      runner,
    });
    await app.request("/", pushRequest(commandFromExample("isolate-pod", "modern-terminal-shell.json")));
    expect(seen).toEqual([{ bucket: "evidence" }]);
    expect(runner.publisher.on("action-outcomes")[0]?.message).toMatchObject({ reason: "bucket evidence" });
  });
});
