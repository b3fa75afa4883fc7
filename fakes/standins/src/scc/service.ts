// The SecurityCenter service implementation handed to grpc.Server#addService: each implemented
// RPC decodes its request fields and calls the store. Methods not listed answer UNIMPLEMENTED.

import type { UntypedServiceImplementation } from "@grpc/grpc-js";
import { type CallContext, type SccRequest, unaryHandler } from "./calls.js";
import type { SccStore, WireFinding } from "./store.js";

const str = (value: unknown) => (typeof value === "string" ? value : "");

function maskPathsOf(request: SccRequest): string[] {
  const mask = request.updateMask as { paths?: string[] } | undefined;
  return (mask?.paths ?? []).filter((p) => p !== "");
}

export function sccServiceImplementation(
  store: SccStore,
  context: CallContext,
): UntypedServiceImplementation {
  return {
    CreateSource: unaryHandler(context, "CreateSource", (r) => ({
      response: store.createSource(str(r.parent), r.source as { displayName?: string; description?: string }),
    })),
    GetSource: unaryHandler(context, "GetSource", (r) => ({ response: store.getSource(str(r.name)) })),
    ListSources: unaryHandler(context, "ListSources", (r) => ({
      response: store.listSources(str(r.parent), r.pageSize, str(r.pageToken)),
    })),
    UpdateSource: unaryHandler(context, "UpdateSource", (r) => ({
      response: store.updateSource(r.source as { name?: string }, maskPathsOf(r)),
    })),
    CreateFinding: unaryHandler(context, "CreateFinding", (r) => ({
      response: store.createFinding(str(r.parent), str(r.findingId), r.finding as WireFinding | undefined),
      effect: "created",
    })),
    UpdateFinding: unaryHandler(context, "UpdateFinding", (r) => {
      const { finding, effect } = store.updateFinding(r.finding as WireFinding | undefined, maskPathsOf(r));
      return { response: finding, effect };
    }),
    ListFindings: unaryHandler(context, "ListFindings", (r) => ({ response: store.listFindings(r) })),
    SetFindingState: unaryHandler(context, "SetFindingState", (r) => ({
      response: store.setFindingState(str(r.name), r.state),
    })),
    SetMute: unaryHandler(context, "SetMute", (r) => ({ response: store.setMute(str(r.name), r.mute) })),
  };
}
