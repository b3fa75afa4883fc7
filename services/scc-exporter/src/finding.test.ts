// The finding built from an alert: category, severity, timestamps, sanitised properties, update mask.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CATEGORY_MAX_LENGTH,
  categoryOf,
  incidentFinding,
  outcomeProperties,
  outcomePropertyKey,
  propertyKeyOf,
  sccSeverityOf,
  timestampOfNanos,
  traceLinkOf,
} from "./finding.js";
import { exportCommand } from "./test-messages.js";

describe("categoryOf", () => {
  it.each([
    ["Terminal shell in container", "TERMINAL_SHELL_IN_CONTAINER"],
    ["Drop and execute new binary in container", "DROP_AND_EXECUTE_NEW_BINARY_IN_CONTAINER"],
    ["  Read sensitive file untrusted  ", "READ_SENSITIVE_FILE_UNTRUSTED"],
    ["K8s Secret Get -- Successfully", "K8S_SECRET_GET_SUCCESSFULLY"],
    ["Contact K8S API Server From Container", "CONTACT_K8S_API_SERVER_FROM_CONTAINER"],
    ["Überwachung / shell", "BERWACHUNG_SHELL"],
    ["!!!", "FALCO_ALERT"],
  ])("%j → %s", (rule, category) => {
    expect(categoryOf(rule)).toBe(category);
  });

  it("is always [A-Z0-9_], bounded, without leading/trailing/double underscores, and stable", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (rule) => {
        const category = categoryOf(rule);
        expect(category).toMatch(/^[A-Z0-9]+(?:_[A-Z0-9]+)*$/);
        expect(category.length).toBeLessThanOrEqual(CATEGORY_MAX_LENGTH);
        expect(categoryOf(rule)).toBe(category);
      }),
    );
  });
});

describe("sccSeverityOf", () => {
  it.each([
    ["Emergency", "CRITICAL"],
    ["Alert", "CRITICAL"],
    ["Critical", "CRITICAL"],
    ["Error", "HIGH"],
    ["Warning", "MEDIUM"],
    ["Notice", "LOW"],
    ["Informational", "LOW"],
    ["Debug", "LOW"],
  ] as const)("%s → %s", (priority, severity) => {
    expect(sccSeverityOf(priority)).toBe(severity);
  });
});

describe("timestampOfNanos", () => {
  it("splits exactly, beyond double precision", () => {
    expect(timestampOfNanos("1732365858900100200")).toEqual({ seconds: "1732365858", nanos: 900100200 });
    expect(timestampOfNanos("0")).toEqual({ seconds: "0", nanos: 0 });
    expect(timestampOfNanos("-1")).toEqual({ seconds: "-1", nanos: 999999999 });
  });
});

describe("property keys", () => {
  it("follow SCC's rule: a letter, then letters, digits, underscores", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), (name) => {
        expect(propertyKeyOf(name)).toMatch(/^[A-Za-z][A-Za-z0-9_]{0,254}$/);
      }),
    );
    expect(propertyKeyOf("k8s.ns.name")).toBe("k8s_ns_name");
    expect(outcomePropertyKey("pod-killer")).toBe("riposte_pod_killer");
  });

  it("outcome properties: result, action, reason and time", () => {
    expect(
      outcomeProperties({
        service: "pod-killer",
        action: "kill-pod",
        result: "done",
        reason: "x".repeat(2000),
        at: "2024-11-23T12:44:20.000Z",
      }),
    ).toEqual({
      riposte_pod_killer: { stringValue: "done" },
      riposte_pod_killer_action: { stringValue: "kill-pod" },
      riposte_pod_killer_reason: { stringValue: `${"x".repeat(1023)}…` },
      riposte_pod_killer_at: { stringValue: "2024-11-23T12:44:20.000Z" },
    });
  });
});

describe("incidentFinding", () => {
  const command = exportCommand("sidekick-critical-drop-exec.json");
  const base = {
    name: `organizations/1/sources/2/findings/${command.incident}`,
    incident: command.incident,
    alert: command.alert,
    target: command.target,
    resourceName: "//container.googleapis.com/x",
    notAfter: "2030-01-01T00:00:00Z",
  };

  it("encodes values as protobuf Values and never masks category, resource_name or state", () => {
    const write = incidentFinding({ ...base, playbooks: ["p"] });
    expect(write.finding.eventTime).toEqual({ seconds: "1732365858", nanos: 900100200 });
    expect(write.finding.sourceProperties?.tags).toEqual({
      listValue: {
        values: ["T1611", "container", "maturity_stable", "mitre_persistence", "process"].map((t) => ({
          stringValue: t,
        })),
      },
    });
    expect(write.finding.sourceProperties?.user_uid).toEqual({ numberValue: 0 });
    expect(write.updateMask).not.toContain("category");
    expect(write.updateMask).not.toContain("resource_name");
    expect(write.updateMask).not.toContain("state");
    expect(write.updateMask).not.toContain("external_uri");
    expect(write.updateMask).toContain("source_properties.playbooks");
    expect(write.updateMask).toEqual(
      expect.arrayContaining(["severity", "event_time", "description", "finding_class"]),
    );
    // Every property sent is masked one by one, and nothing else under source_properties.
    expect(write.updateMask.filter((p) => p.startsWith("source_properties.")).sort()).toEqual(
      Object.keys(write.finding.sourceProperties ?? {})
        .map((k) => `source_properties.${k}`)
        .sort(),
    );
  });

  it.each([
    ["year 0", "-62198000000000000000"],
    ["beyond int64 seconds", "-1000000000000000000000000000000"],
  ])("an alert time before 0001-01-01 (%s) is clamped to it, so the finding can be written", (_, timeNs) => {
    const write = incidentFinding({ ...base, alert: { ...base.alert, timeNs } });
    expect(write.finding.eventTime).toEqual({ seconds: "-62135596800", nanos: 0 });
  });

  it("without playbooks (from an outcome) the playbooks property is neither sent nor masked", () => {
    const write = incidentFinding(base);
    expect(write.finding.sourceProperties).not.toHaveProperty("playbooks");
    expect(write.updateMask).not.toContain("source_properties.playbooks");
  });

  it("copies only allow-listed output fields", () => {
    const hostile = exportCommand("sidekick-critical-drop-exec.json", {
      fields: { "proc.env": "AWS_SECRET_ACCESS_KEY=abc", "fd.name": "/etc/shadow" },
    });
    const write = incidentFinding({ ...base, alert: hostile.alert });
    expect(write.finding.sourceProperties).not.toHaveProperty("proc_env");
    expect(write.finding.sourceProperties?.fd_name).toEqual({ stringValue: "/etc/shadow" });
  });

  it("event time is the earlier of the alert time and notAfter", () => {
    const write = incidentFinding({ ...base, notAfter: "2024-11-23T12:00:00.000Z" });
    expect(write.finding.eventTime).toEqual({ seconds: "1732363200", nanos: 0 });
  });
});

describe("traceLinkOf", () => {
  it("links a valid traceparent, ignores anything else", () => {
    expect(traceLinkOf("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "my-proj")).toBe(
      "https://console.cloud.google.com/traces/list?project=my-proj&tid=4bf92f3577b34da6a3ce929d0e0e4736",
    );
    expect(traceLinkOf(undefined, "p")).toBeUndefined();
    expect(traceLinkOf("00-00000000000000000000000000000000-00f067aa0ba902b7-01", "p")).toBeUndefined();
    expect(traceLinkOf("javascript:alert(1)", "p")).toBeUndefined();
  });
});
