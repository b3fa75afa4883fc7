// The action catalogue: one row per action, every other spelling of its name derived from it.
import { describe, expect, it } from "vitest";
import { ACTION_KINDS, ACTIONS, snakeCase, Topics } from "./index.js";

describe("action catalogue", () => {
  it("derives the command kind and the Event reason from the action's name, and names its service", () => {
    expect(ACTIONS["kill-pod"]).toMatchObject({
      name: "kill-pod",
      kind: "KillPod",
      service: "pod-killer",
      topic: "pod-killer",
      eventReason: "RiposteKillPod",
    });
    expect(ACTIONS["export-finding"]).toMatchObject({ kind: "ExportFinding", service: "scc-exporter" });
  });

  it("is where the topics, the kinds and the params come from", () => {
    for (const action of Object.values(ACTIONS)) {
      expect(ACTION_KINDS[action.name]).toEqual({ kind: action.kind, topic: action.topic });
      expect(Object.values(Topics)).toContain(action.topic);
    }
    expect(Topics.podKiller).toBe("pod-killer");
    expect(Topics.sccExporter).toBe("scc-exporter");
    expect(ACTIONS["kill-pod"].params.parse({})).toEqual({ gracePeriodSeconds: 0 });
    expect(snakeCase("gracePeriodSeconds")).toBe("grace_period_seconds");
  });

  it("gives every param a meaning (a `.describe()`: the README's param table is generated from it)", () => {
    for (const action of Object.values(ACTIONS)) {
      for (const [param, schema] of Object.entries(action.params.shape)) {
        expect(schema.description, `${action.name} ${param}`).toMatch(/\w/);
      }
    }
  });
});
