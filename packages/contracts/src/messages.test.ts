// Tests of the message contracts: summaries, commands, outcomes, quarantine records, attributes.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ACTION_KINDS, Topics } from "./actions.js";
import type { FalcoAlert } from "./alert.js";
import { parseFalcoAlert } from "./alert.js";
import type { CommandInput, CommandKind } from "./messages.js";
import {
  ActionOutcome,
  AlertSummary,
  actionNameOf,
  Command,
  commandSchemaFor,
  deadLetterTopicOf,
  KillPodCommand,
  messageAttributes,
  parseMessage,
  QuarantineRecord,
  summarizeAlert,
  TargetSchema,
  truncateText,
  truncateUtf8,
} from "./messages.js";

function sample(name: string): FalcoAlert {
  const result = parseFalcoAlert(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
  if (!result.ok) throw new Error(result.error.message);
  return result.alert;
}

const alert = sample("modern-terminal-shell.json");

function commandInput(kind: CommandKind, params?: Record<string, unknown>): CommandInput {
  return {
    v: 1,
    kind,
    incident: alert.incidentKey,
    alert: summarizeAlert(alert),
    target: alert.target,
    ...(params === undefined ? {} : { params }),
    dryRun: false,
    playbooks: ["shell-in-prod"],
    issuedAt: "2024-11-23T10:21:34.000Z",
  } as CommandInput;
}

/** What a receiving service sees: the message serialised to bytes and parsed back. */
function viaWire<T>(value: T): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

describe("topics", () => {
  it("has the names from docs/architecture.md and the dead-letter convention", () => {
    expect(Object.values(Topics)).toEqual([
      "falco-events",
      "pod-killer",
      "isolator",
      "tainter",
      "notifier",
      "scc-exporter",
      "capture",
      "node-capturer",
      "action-outcomes",
      "quarantine",
    ]);
    expect(deadLetterTopicOf("pod-killer")).toBe("pod-killer-dead-letter");
  });

  it("maps playbook actions to command kinds and topics", () => {
    expect(ACTION_KINDS).toEqual({
      "kill-pod": { kind: "KillPod", topic: "pod-killer" },
      "isolate-pod": { kind: "IsolatePod", topic: "isolator" },
      "taint-node": { kind: "TaintNode", topic: "tainter" },
      notify: { kind: "Notify", topic: "notifier" },
      "export-finding": { kind: "ExportFinding", topic: "scc-exporter" },
      capture: { kind: "Capture", topic: "capture" },
      "capture-node": { kind: "CaptureNode", topic: "node-capturer" },
    });
    expect(actionNameOf("TaintNode")).toBe("taint-node");
  });
});

describe("summarizeAlert", () => {
  it("makes a JSON-only summary with timeNs and bigints as decimal strings", () => {
    const summary = summarizeAlert(sample("2019-terminal-shell-no-pod.json"));
    expect(summary.timeNs).toBe("1553793029724747835");
    expect(summary.outputFields["evt.time"]).toBe("1553793029724747835");
    expect(summary.outputFields["proc.pname"]).toBeNull();
    expect(summary.outputFields["proc.tty"]).toBe(34816);
    expect(summary.source).toBeUndefined();
    expect(AlertSummary.parse(JSON.parse(JSON.stringify(summary)))).toEqual(summary);
  });

  it("truncates long output and field values, keeps string lists, stringifies objects", () => {
    const long = {
      ...alert,
      output: "o".repeat(10_000),
      outputFields: Object.assign(Object.create(null), {
        "proc.cmdline": "c".repeat(5_000),
        "ka.user.groups": ["system:authenticated", "g".repeat(2_000)],
        odd: { nested: [1, 2n ** 70n] },
        emoji: `${"x".repeat(1022)}😀y`,
      }),
    } satisfies FalcoAlert;
    const summary = summarizeAlert(long);
    expect(summary.output).toHaveLength(4096);
    expect(summary.output.endsWith("…")).toBe(true);
    expect(summary.outputFields["proc.cmdline"]).toHaveLength(1024);
    expect(summary.outputFields["ka.user.groups"]).toEqual(["system:authenticated", `${"g".repeat(1023)}…`]);
    expect(summary.outputFields.odd).toBe('{"nested":[1,1180591620717411303424]}');
    expect(summary.outputFields.emoji).toBe(`${"x".repeat(1022)}…`); // the pair is not split
    expect(AlertSummary.safeParse(JSON.parse(JSON.stringify(summary))).success).toBe(true);
  });

  it("refuses a summary whose severity contradicts its priority", () => {
    const result = AlertSummary.safeParse({ ...summarizeAlert(alert), severity: 0 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["severity"]);
  });
});

describe("commands", () => {
  it.each([
    ["KillPod", { gracePeriodSeconds: 0 }],
    ["IsolatePod", { allowDns: false }],
    ["TaintNode", { effect: "NoSchedule", cordon: false }],
    ["Notify", { destinations: [] }],
    ["ExportFinding", {}],
  ] as const)("%s round-trips through JSON with params defaults filled in", (kind, defaults) => {
    const parsed = parseMessage(Command, viaWire(commandInput(kind)));
    if (!parsed.ok) throw new Error(`${parsed.error.path}: ${parsed.error.message}`);
    expect(parsed.value.kind).toBe(kind);
    expect(parsed.value.params).toEqual(defaults);
    expect(parsed.value.target).toEqual(alert.target);
    // Parsing what was parsed changes nothing: the wire form is stable.
    expect(commandSchemaFor(kind).parse(JSON.parse(JSON.stringify(parsed.value)))).toEqual(parsed.value);
  });

  it("accepts explicit params", () => {
    const isolate = Command.parse(
      commandInput("IsolatePod", { allowDns: true, forensicsCidr: "10.8.0.0/16" }),
    );
    expect(isolate.params).toEqual({ allowDns: true, forensicsCidr: "10.8.0.0/16" });
    expect(Command.parse(commandInput("IsolatePod", { forensicsCidr: "fd00::/8" })).kind).toBe("IsolatePod");
    const taint = Command.parse(commandInput("TaintNode", { effect: "NoExecute", cordon: true }));
    expect(taint.params).toEqual({ effect: "NoExecute", cordon: true });
  });

  it.each([
    [{ params: { gracePeriodSeconds: 3601 } }, "$.params.gracePeriodSeconds"],
    [{ params: { gracePeriodSeconds: 1.5 } }, "$.params.gracePeriodSeconds"],
    [{ params: { gracePeriodSecond: 30 } }, "$.params"],
    [{ incident: "ABC" }, "$.incident"],
    [{ v: 2 }, "$.v"],
    [{ kind: "Explode" }, "$.kind"],
    [{ dryRun: "no" }, "$.dryRun"],
    [{ issuedAt: "yesterday" }, "$.issuedAt"],
    [{ target: { pod: "../../nodes/x", rejected: [] } }, "$.target.pod"],
    [{ alert: { ...summarizeAlert(alert), timeNs: "1.5" } }, "$.alert.timeNs"],
    [{ playbooks: ["a", 3] }, "$.playbooks[1]"],
    // A safety override that cannot be read fails closed (quarantined), never as "no override".
    [{ safety: { protectedNamespaces: "payments" } }, "$.safety.protectedNamespaces"],
    [{ safety: { protectedNamespaces: ["payments", ""] } }, "$.safety.protectedNamespaces[1]"],
    [
      { safety: { protectedNamespaces: ["payments"], allowDaemonSetPods: "false" } },
      "$.safety.allowDaemonSetPods",
    ],
    [{ safety: { allowMirrorPods: 1 } }, "$.safety.allowMirrorPods"],
    [{ safety: { protected_namespaces: ["payments"] } }, "$.safety"],
    [{ safety: ["payments"] }, "$.safety"],
    // Ordering: earlier actions by name, a time bound no later than the longest wait allowed.
    [{ order: { after: [], notAfter: "2024-11-23T10:22:34.000Z" } }, "$.order.after"],
    [{ order: { after: ["capture-everything"], notAfter: "2024-11-23T10:22:34.000Z" } }, "$.order.after[0]"],
    [{ order: { after: ["isolate-pod"] } }, "$.order.notAfter"],
    [{ order: { after: ["isolate-pod"], notAfter: "soon" } }, "$.order.notAfter"],
    [{ order: { after: ["isolate-pod"], notAfter: "2024-11-23T10:26:35.000Z" } }, "$.order.notAfter"],
    [{ order: { after: ["kill-pod"], notAfter: "2024-11-23T10:22:34.000Z" } }, "$.order.after[0]"],
    [{ order: { after: ["isolate-pod"], notAfter: "2024-11-23T10:22:34.000Z", x: 1 } }, "$.order"],
  ])("a bad command names the field: %j → %s", (change, path) => {
    const parsed = parseMessage(Command, viaWire({ ...commandInput("KillPod"), ...change }));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.path).toBe(path);
  });

  it("accepts the safety overrides the router writes", () => {
    const safety = {
      protectedNamespaces: ["payments", "team-*"],
      allowDaemonSetPods: false,
      allowMirrorPods: true,
    };
    expect(Command.parse({ ...commandInput("KillPod"), safety }).safety).toEqual(safety);
    expect(Command.parse({ ...commandInput("KillPod"), safety: {} }).safety).toEqual({});
  });

  it("refuses an order on a command whose service does not wait (notify, export-finding)", () => {
    const order = { after: ["isolate-pod"], notAfter: "2024-11-23T10:22:34.000Z" };
    for (const kind of ["Notify", "ExportFinding"] as const) {
      const parsed = parseMessage(Command, viaWire({ ...commandInput(kind), order }));
      expect(parsed.ok || parsed.error).toMatchObject({
        path: "$.order",
        message: /does not wait for earlier actions/,
      });
    }
  });

  it("carries the order the router wrote: the actions it runs after, and the latest time it waits to", () => {
    const order = { after: ["isolate-pod"], notAfter: "2024-11-23T10:22:34.000Z" };
    const parsed = parseMessage(Command, viaWire({ ...commandInput("KillPod"), order }));
    if (!parsed.ok) throw new Error(`${parsed.error.path}: ${parsed.error.message}`);
    expect(parsed.value.order).toEqual(order);
    // The longest wait, to the second: 5 minutes after the command was issued.
    const longest = { after: ["isolate-pod"], notAfter: "2024-11-23T10:26:34.000Z" };
    expect(Command.parse({ ...commandInput("KillPod"), order: longest }).order).toEqual(longest);
  });

  it("refuses a forensics CIDR that is not one and extra ExportFinding params", () => {
    const cidr = parseMessage(Command, viaWire(commandInput("IsolatePod", { forensicsCidr: "10.8.0.1" })));
    expect(cidr.ok || cidr.error.path).toBe("$.params.forensicsCidr");
    const extra = parseMessage(Command, viaWire(commandInput("ExportFinding", { category: "x" })));
    expect(extra.ok || extra.error.message).toContain("category");
  });

  it("reports undecodable input with a path", () => {
    expect(parseMessage(KillPodCommand, new Uint8Array([0xff]))).toEqual({
      ok: false,
      error: { path: "$", message: "the payload is not valid UTF-8" },
    });
    const json = parseMessage(KillPodCommand, '{"v":1,');
    expect(json.ok || json.error.message).toContain("invalid JSON");
  });

  it("does not let a __proto__ output field change the summary's prototype on the receiving side", () => {
    const parsed = parseFalcoAlert(
      '{"rule":"r","priority":"Notice","time":"2024-11-23T10:00:00Z","output_fields":{"__proto__":{"polluted":"yes"},"k":"v"}}',
    );
    if (!parsed.ok) throw new Error(parsed.error.message);
    const summary = summarizeAlert(parsed.alert);
    expect(Object.keys(summary.outputFields)).toEqual(["__proto__", "k"]);
    const text = JSON.stringify({ ...commandInput("Notify"), alert: summary });
    const received = parseMessage(Command, text);
    if (!received.ok) throw new Error(received.error.message);
    expect(Object.getPrototypeOf(received.value.alert.outputFields)).toBe(Object.prototype);
    expect((received.value.alert.outputFields as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("outcomes and quarantine records", () => {
  const outcome = {
    v: 1,
    kind: "ActionOutcome",
    service: "pod-killer",
    action: "kill-pod",
    incident: alert.incidentKey,
    result: "already-done",
    reason: "pod not found (404)",
    details: { status: 404 },
    alert: summarizeAlert(alert),
    target: alert.target,
    at: "2024-11-23T10:21:35.000Z",
  } as const;

  it("round-trips an ActionOutcome through JSON", () => {
    const parsed = parseMessage(ActionOutcome, viaWire(outcome));
    expect(parsed).toEqual({ ok: true, value: outcome });
    for (const result of ["done", "already-done", "stale", "refused", "dry-run", "failed"]) {
      expect(ActionOutcome.safeParse({ ...outcome, result }).success).toBe(true);
    }
    const bad = parseMessage(ActionOutcome, viaWire({ ...outcome, result: "maybe" }));
    expect(bad.ok || bad.error.path).toBe("$.result");
  });

  it("gives outcome details' big integers as decimal strings: consumers re-serialise details with JSON.stringify", () => {
    // A 2^64+1 in details (or any double past 2^53 another service wrote) parses as a bigint, and
    // JSON.stringify throws on a bigint: the notifier answered 503 for ever (corpus outcome/details-past-2-64).
    const text = JSON.stringify(outcome).replace(
      '"details":{"status":404}',
      '"details":{"status":18446744073709551617,"nested":[{"n":-9007199254740993}]}',
    );
    const parsed = parseMessage(ActionOutcome, text);
    expect(parsed.ok).toBe(true);
    const details = parsed.ok ? parsed.value.details : {};
    expect(JSON.parse(JSON.stringify(details))).toEqual({
      status: "18446744073709551617",
      nested: [{ n: "-9007199254740993" }],
    });
  });

  it("round-trips a QuarantineRecord through JSON", () => {
    const record = {
      v: 1,
      kind: "QuarantineRecord",
      service: "router",
      reason: { path: "$.priority", message: 'unknown priority "Severe"' },
      messageId: "1234",
      subscription: "router",
      receivedAt: "2024-11-23T10:21:35.000Z",
      data: Buffer.from('{"priority":"Severe"}').toString("base64"),
      attributes: { source: "falcosidekick" },
    } as const;
    expect(parseMessage(QuarantineRecord, viaWire(record))).toEqual({ ok: true, value: record });
    const bad = parseMessage(QuarantineRecord, viaWire({ ...record, data: "not base64!" }));
    expect(bad.ok || bad.error.path).toBe("$.data");
    expect(messageAttributes(QuarantineRecord.parse(record))).toEqual({ v: "1", kind: "QuarantineRecord" });
  });

  it("validates the target schema on its own", () => {
    expect(TargetSchema.safeParse({ namespace: "Shop", rejected: [] }).success).toBe(false);
    expect(TargetSchema.safeParse({ containerId: "host", rejected: [] }).success).toBe(true);
  });
});

describe("messageAttributes", () => {
  it("gives string attributes for commands and outcomes, omitting absent ones", () => {
    const command = Command.parse(commandInput("KillPod"));
    expect(messageAttributes(command)).toEqual({
      v: "1",
      kind: "KillPod",
      incident: alert.incidentKey,
      rule: "Terminal shell in container",
      priority: "Notice",
      namespace: "shop",
      action: "kill-pod",
    });
    const hostAlert = sample("host-level.json");
    const taint = Command.parse({
      ...commandInput("TaintNode"),
      incident: hostAlert.incidentKey,
      alert: summarizeAlert(hostAlert),
      target: hostAlert.target,
    });
    expect(messageAttributes(taint)).not.toHaveProperty("namespace");
    const outcome = ActionOutcome.parse({
      v: 1,
      kind: "ActionOutcome",
      service: "notifier",
      action: "notify",
      incident: alert.incidentKey,
      result: "done",
      reason: "sent",
      details: {},
      at: "2024-11-23T10:21:35Z",
    });
    expect(messageAttributes(outcome)).toEqual({
      v: "1",
      kind: "ActionOutcome",
      incident: alert.incidentKey,
      action: "notify",
    });
  });

  it("keeps every value within 1024 bytes of UTF-8", () => {
    const command = Command.parse({
      ...commandInput("Notify"),
      alert: { ...summarizeAlert(alert), rule: "ü".repeat(800) },
    });
    const rule = messageAttributes(command).rule ?? "";
    expect(Buffer.byteLength(rule, "utf8")).toBe(1024);
    expect(rule).toBe("ü".repeat(512));
  });
});

describe("truncation helpers", () => {
  it("truncateText and truncateUtf8 never split characters", () => {
    expect(truncateText("abc", 3)).toBe("abc");
    expect(truncateText("abcd", 3)).toBe("ab…");
    expect(truncateText("a😀b", 3)).toBe("a…");
    expect(truncateUtf8("a😀b", 4)).toBe("a");
    expect(truncateUtf8("a😀b", 5)).toBe("a😀");
  });

  it("truncateUtf8 replaces lone surrogates: Pub/Sub refuses attribute values that are not UTF-8", () => {
    // A Falco rule may carry "\ud800" (valid JSON); as an attribute it failed the whole publish batch.
    expect(truncateUtf8("bad \ud800 x", 1024)).toBe("bad \ufffd x");
    expect(truncateUtf8("\udc00a\ud83d", 1024)).toBe("\ufffda\ufffd");
    expect(truncateUtf8("a\ud800", 3)).toBe("a");
    expect(truncateUtf8("ok 😀", 1024)).toBe("ok 😀");
  });
});
