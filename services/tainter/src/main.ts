// Entry point: runActioner starts OpenTelemetry, then loads the descriptor (and with it http and grpc).
import { runActioner } from "@riposte/k8s-response/run";

await runActioner("taint-node", () => import("./descriptor.js"));
