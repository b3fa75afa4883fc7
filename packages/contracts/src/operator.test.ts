import { describe, expect, it } from "vitest";
import { ActionOutcome, messageAttributes } from "./messages.js";
import {
  OPERATOR_REASON_MAX_LENGTH,
  OPERATOR_SERVICE,
  operatorOutcome,
  parseOperatorReason,
} from "./operator.js";

const INCIDENT = "0123456789abcdef0123456789abcdef";

describe("an operator's --reason", () => {
  it("is kept trimmed", () => {
    expect(parseOperatorReason("  false positive: CI job  ")).toEqual({
      ok: true,
      reason: "false positive: CI job",
    });
  });

  it("is refused empty, with control or format characters, or too long", () => {
    for (const hostile of [
      "",
      "   ",
      "a\nb",
      "x\u001b[2Jy",
      "\u202eevil",
      "a\u0000",
      "\ud800",
      "x".repeat(10_000),
    ])
      expect(parseOperatorReason(hostile)).toMatchObject({ ok: false, error: expect.any(String) });
    expect(parseOperatorReason("é".repeat(OPERATOR_REASON_MAX_LENGTH)).ok).toBe(true);
    expect(parseOperatorReason("x".repeat(OPERATOR_REASON_MAX_LENGTH + 1))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/at most 500/),
    });
  });
});

describe("operatorOutcome", () => {
  it("is an ActionOutcome every consumer already reads: who, why and what, under the incident", () => {
    const outcome = operatorOutcome({
      action: "release-pod",
      incident: INCIDENT,
      summary: "released pod shop/web from quarantine",
      by: "alice",
      reason: "false positive",
      object: { kind: "Pod", namespace: "shop", name: "web" },
      at: new Date("2026-01-02T03:04:05.000Z"),
    });
    expect(ActionOutcome.parse(outcome)).toEqual(outcome);
    expect(outcome).toMatchObject({
      service: OPERATOR_SERVICE,
      action: "release-pod",
      result: "done",
      incident: INCIDENT,
      reason: "released pod shop/web from quarantine by alice: false positive",
      details: {
        by: "alice",
        reason: "false positive",
        object: { kind: "Pod", namespace: "shop", name: "web" },
      },
      target: { namespace: "shop", pod: "web", rejected: [] },
    });
    expect(messageAttributes(outcome)).toMatchObject({
      incident: INCIDENT,
      action: "release-pod",
      namespace: "shop",
    });
  });

  it("names a node as the target of an untaint", () => {
    const outcome = operatorOutcome({
      action: "untaint-node",
      incident: INCIDENT,
      summary: "lifted taint",
      by: "bob",
      reason: "reimaged",
      object: { kind: "Node", name: "node-1" },
      at: new Date(0),
    });
    expect(outcome.target).toEqual({ node: "node-1", rejected: [] });
  });
});
