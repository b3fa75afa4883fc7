// runActioner starts OpenTelemetry before it loads the service: the SDK must patch http and grpc
// before any module that uses them is imported.
import { beforeEach, describe, expect, it, vi } from "vitest";

const order: string[] = [];
vi.mock("@riposte/service-kit/instrument", () => ({
  instrument: (service: string) => order.push(`instrument ${service}`),
}));

const { runActioner } = await import("./run.js");

beforeEach(() => {
  order.length = 0;
});

describe("runActioner", () => {
  it("starts tracing under the action's service name, then loads the descriptor", async () => {
    const loaded = new Error("stop after loading");
    const load = async () => {
      order.push("load");
      throw loaded;
    };
    await expect(runActioner("kill-pod", load)).rejects.toBe(loaded);
    expect(order).toEqual(["instrument pod-killer", "load"]);
  });

  it("refuses a descriptor of another action (tracing would carry the wrong service name)", async () => {
    const { describeActioner } = await import("./service.js");
    const { kubernetesAction } = await import("./action.js");
    const isolate = kubernetesAction("isolate-pod", { description: "", permissions: [], limits: [], plan });
    const descriptor = describeActioner(isolate, { localPortOffset: 1 });
    await expect(runActioner("kill-pod", async () => ({ default: descriptor }))).rejects.toThrow(
      /runActioner\("kill-pod"\) loaded the descriptor of isolator/,
    );
  });
});

async function plan() {
  return { result: "refused" as const, reason: "test" };
}
