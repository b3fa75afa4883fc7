// Server-side printing details kubectl users see: ages and pod status columns.

import { describe, expect, it } from "vitest";
import { humanDuration, printers } from "./tables.js";

describe("humanDuration (k8s.io/apimachinery duration.HumanDuration)", () => {
  it.each([
    [0, "0s"],
    [59_000, "59s"],
    [119_000, "119s"],
    [120_000, "2m"],
    [312_000, "5m12s"],
    [600_000, "10m"],
    [179 * 60_000, "179m"],
    [3 * 3600_000 + 10 * 60_000, "3h10m"],
    [8 * 3600_000, "8h"],
    [47 * 3600_000, "47h"],
    [4 * 86_400_000 + 2 * 3600_000, "4d2h"],
    [30 * 86_400_000, "30d"],
    [(2 * 365 + 30) * 86_400_000, "2y30d"],
    [9 * 365 * 86_400_000, "9y"],
    [-5000, "<invalid>"],
  ])("%i ms → %s", (ms, expected) => {
    expect(humanDuration(ms)).toBe(expected);
  });
});

describe("pod rows", () => {
  const now = new Date("2024-11-23T10:05:00Z");
  const printer = printers.Pod;

  it("shows READY, STATUS and RESTARTS like printPod", () => {
    const pod = {
      metadata: { name: "web", creationTimestamp: "2024-11-23T10:00:00Z" },
      spec: { containers: [{ name: "a" }, { name: "b" }], nodeName: "n1" },
      status: {
        phase: "Running",
        podIP: "10.8.0.2",
        containerStatuses: [
          { name: "a", ready: true, restartCount: 0, state: { running: {} } },
          {
            name: "b",
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: "CrashLoopBackOff" } },
            lastState: { terminated: { finishedAt: "2024-11-23T10:04:00Z" } },
          },
        ],
      },
    };
    expect(printer?.row(pod, now)).toEqual([
      "web",
      "1/2",
      "CrashLoopBackOff",
      "3 (60s ago)",
      "5m",
      "10.8.0.2",
      "n1",
      "<none>",
      "<none>",
    ]);
  });

  it("shows Terminating for a pod being deleted", () => {
    const pod = {
      metadata: {
        name: "web",
        creationTimestamp: "2024-11-23T10:00:00Z",
        deletionTimestamp: "2024-11-23T10:06:00Z",
      },
      spec: { containers: [{ name: "a" }] },
      status: { phase: "Running" },
    };
    expect(printer?.row(pod, now)[2]).toBe("Terminating");
  });
});
