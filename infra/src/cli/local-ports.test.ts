import { describe, expect, it } from "vitest";
import { checkLocalPortOffsets, loadServices } from "../services.js";
import { assignLocalPorts } from "./topology.js";

const emulator = [{ port: 8085, what: "Pub/Sub emulator (PUBSUB_EMULATOR_HOST)" }];

describe("riposte dev's local ports", () => {
  it("are stable per service name: a new service that sorts first moves no other one", async () => {
    const shipped = (await loadServices()).map((service) => service.descriptor);
    const before = assignLocalPorts(shipped, 8080, emulator);
    const withNew = [{ name: "capture", localPortOffset: 7 }, ...shipped];
    const after = assignLocalPorts(withNew, 8080, emulator);
    for (const [name, port] of before) expect(after.get(name), name).toBe(port);
    expect(after.get("capture")).toBe(8087);
  });

  it("keep today's ports for the shipped services (operators' bookmarks and the README)", async () => {
    const ports = assignLocalPorts(
      (await loadServices()).map((service) => service.descriptor),
      8080,
      emulator,
    );
    expect(Object.fromEntries(ports)).toMatchObject({
      router: 8080,
      isolator: 8081,
      notifier: 8082,
      "pod-killer": 8083,
      "scc-exporter": 8084,
      tainter: 8086,
    });
  });

  it("refuse a port one of riposte dev's own servers takes, naming both and what to change", () => {
    expect(() =>
      assignLocalPorts([{ name: "router", localPortOffset: 0 }], 6443, [
        { port: 6443, what: "simulated cluster (RIPOSTE_SIM_PORT)" },
      ]),
    ).toThrow(
      "router's local port 6443 (RIPOSTE_PORT_BASE 6443 + offset 0) is the simulated cluster (RIPOSTE_SIM_PORT)'s; choose another RIPOSTE_PORT_BASE",
    );
    expect(() => assignLocalPorts([{ name: "router", localPortOffset: 10 }], 65_530, [])).toThrow(
      "above 65535",
    );
  });

  it("two services declaring one offset, or a hostile offset, stop the load naming the services", () => {
    const base = { description: "", inputs: [], publishes: [], kubernetes: [], gcpRoles: [] };
    const described = (name: string, localPortOffset: number) =>
      ({ ...base, name, localPortOffset }) as unknown as Parameters<typeof checkLocalPortOffsets>[0][number];
    expect(() => checkLocalPortOffsets([described("router", 0), described("capture", 0)])).toThrow(
      "services router and capture both declare localPortOffset 0",
    );
    for (const hostile of [-1, 1.5, Number.NaN, 5000]) {
      expect(() => checkLocalPortOffsets([described("capture", hostile)])).toThrow(
        "capture: localPortOffset must be an integer from 0 to 999",
      );
    }
  });
});
