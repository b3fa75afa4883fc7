// One unary gRPC handler per implemented method: takes an injected fault if one applies, runs the
// store operation, turns an SccStatusError into its status (anything else is INTERNAL, a stand-in
// bug), and records the call with the status answered.

import { type handleUnaryCall, type Metadata, type ServerUnaryCall, status } from "@grpc/grpc-js";
import { type FaultQueue, faultDetails } from "./faults.js";
import { SccStatusError } from "./status-error.js";
import type { FindingWriteEffect } from "./store-state.js";

export type SccMethod =
  | "CreateSource"
  | "GetSource"
  | "ListSources"
  | "UpdateSource"
  | "CreateFinding"
  | "UpdateFinding"
  | "ListFindings"
  | "SetFindingState"
  | "SetMute";

export interface SccCall {
  method: SccMethod;
  /** The request as decoded by the stand-in (camelCase keys, enums as names). */
  request: Record<string, unknown>;
  /** gRPC request metadata, e.g. x-goog-request-params, x-goog-api-client. */
  metadata: Record<string, string>;
  /** status.OK (0) or the error code answered. */
  code: status;
  details: string;
  /** True when an injected fault produced the code. */
  injected: boolean;
  /** For UpdateFinding/CreateFinding that took effect: created, updated or unchanged. */
  effect?: FindingWriteEffect;
  at: number;
}

export type SccRequest = Record<string, unknown>;
/** What a method's store operation produced. */
export type Outcome = { response: unknown; effect?: FindingWriteEffect };

/** Where handlers take faults from and record calls to. */
export interface CallContext {
  faults: FaultQueue;
  record(call: SccCall): void;
}

type Answer = { code: status; details: string; injected: boolean; effect?: FindingWriteEffect };

function metadataToRecord(metadata: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    out[key] = typeof value === "string" ? value : value.toString("base64");
  }
  return out;
}

/** The store's refusal as a gRPC status. */
function errorAnswer(error: unknown): Answer {
  if (error instanceof SccStatusError) return { code: error.code, details: error.details, injected: false };
  return { code: status.INTERNAL, details: `stand-in bug: ${String(error)}`, injected: false };
}

/** Runs `run` unless a "before" fault applies; the answer and, on success, the response. */
function answerCall(
  faults: FaultQueue,
  method: SccMethod,
  request: SccRequest,
  run: (request: SccRequest) => Outcome,
): { answer: Answer; response?: unknown } {
  const fault = faults.take(method);
  if (fault && fault.when !== "after") {
    return { answer: { code: fault.code, details: faultDetails(fault), injected: true } };
  }
  let outcome: Outcome;
  try {
    outcome = run(request);
  } catch (error) {
    return { answer: errorAnswer(error) };
  }
  const effect = outcome.effect && { effect: outcome.effect };
  if (fault) return { answer: { code: fault.code, details: faultDetails(fault), injected: true, ...effect } };
  return { answer: { code: status.OK, details: "", injected: false, ...effect }, response: outcome.response };
}

export function unaryHandler(
  context: CallContext,
  method: SccMethod,
  run: (request: SccRequest) => Outcome,
): handleUnaryCall<SccRequest, unknown> {
  return (call: ServerUnaryCall<SccRequest, unknown>, callback) => {
    const { answer, response } = answerCall(context.faults, method, call.request, run);
    context.record({
      method,
      request: structuredClone(call.request),
      metadata: metadataToRecord(call.metadata),
      ...answer,
      at: Date.now(),
    });
    if (answer.code === status.OK) callback(null, response);
    else callback({ code: answer.code, details: answer.details });
  };
}
