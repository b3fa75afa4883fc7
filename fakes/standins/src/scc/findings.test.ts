// The finding store without gRPC: refusals name the field and the value the client sent.

import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { loadSccProtos } from "./protos.js";
import { SccStatusError } from "./status-error.js";
import { createSccStore } from "./store.js";

function refusal(run: () => unknown): SccStatusError {
  try {
    run();
  } catch (error) {
    if (error instanceof SccStatusError) return error;
    throw error;
  }
  throw new Error("expected an SccStatusError, the call succeeded");
}

const store = () =>
  createSccStore({
    protos: loadSccProtos(),
    now: () => Date.UTC(2024, 4, 1),
    futureEventTimeToleranceMs: 1000,
  });
const finding = { eventTime: { seconds: "1714521600" }, category: "SHELL" };

describe("CreateFinding under a source that does not exist", () => {
  it("answers NOT_FOUND quoting the parent as sent, not the finding name built from it", () => {
    const error = refusal(() => store().createFinding("organizations/123/sources/999", "f1", finding));
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.details).toBe(
      'parent "organizations/123/sources/999": source organizations/123/sources/999 not found',
    );
  });
});

describe("CreateFinding under another organization's source", () => {
  it("answers NOT_FOUND for the source even when that source already has a finding with this id", () => {
    const scc = store();
    const { name } = scc.seedSource("123", "Riposte");
    scc.createFinding(name, "f1", finding);
    const elsewhere = name.replace("organizations/123", "organizations/456");
    const error = refusal(() => scc.createFinding(elsewhere, "f1", finding));
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.details).toBe(`parent "${elsewhere}": source ${elsewhere} not found`);
  });
});
