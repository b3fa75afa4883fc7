import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { loadServices } from "../services.js";
import { type ScheduledCaller, scheduledCallsOf, startScheduledCalls } from "./scheduled-calls.js";

let caller: ScheduledCaller | undefined;
afterEach(() => caller?.stop());

describe("riposte dev's scheduled calls", () => {
  it("are Cloud Scheduler's, from the descriptors: the console's approvals, the isolator's release-expired, node-capturer's record-job-results and the notifier's close-windows every minute", async () => {
    const descriptors = (await loadServices()).map((service) => service.descriptor);
    expect(scheduledCallsOf(descriptors)).toEqual([
      { service: "console", path: "/scheduled/approvals", cron: "* * * * *", everySeconds: 60 },
      { service: "isolator", path: "/scheduled/release-expired", cron: "* * * * *", everySeconds: 60 },
      {
        service: "node-capturer",
        path: "/scheduled/record-job-results",
        cron: "* * * * *",
        everySeconds: 60,
      },
      { service: "notifier", path: "/scheduled/close-windows", cron: "* * * * *", everySeconds: 60 },
    ]);
    // Only the services given (the deploy plan's --only): none without the isolator's descriptor.
    expect(scheduledCallsOf(descriptors.filter((d) => d.name === "router"))).toEqual([]);
  }, 30_000);

  it("POST to each running service's endpoint on its schedule, and report a failed call", async () => {
    const seen: string[] = [];
    const server = createServer((request, response) => {
      seen.push(`${request.method} ${request.url}`);
      response.statusCode = seen.length === 1 ? 200 : 503;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const reported: string[] = [];
    try {
      caller = startScheduledCalls({
        ports: new Map([["notifier", port]]),
        report: (line) => reported.push(line),
        calls: [
          { service: "notifier", path: "/scheduled/close-windows", cron: "* * * * *", everySeconds: 0.2 },
        ],
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(seen.slice(0, 2)).toEqual(["POST /scheduled/close-windows", "POST /scheduled/close-windows"]);
      expect(reported[0]).toBe("scheduled call notifier /scheduled/close-windows: HTTP 503");
    } finally {
      server.close();
    }
  });

  it("skip services that are not running", async () => {
    caller = startScheduledCalls({ ports: new Map(), report: () => undefined, calls: [] });
    await expect(caller.callAll()).resolves.toBeUndefined();
  });
});
