// Entry point: runActioner starts OpenTelemetry, then loads the descriptor (and with it http and grpc).
import { runActioner } from "@riposte/actioner-kit/run";

await runActioner("capture-node", () => import("./descriptor.js"));
