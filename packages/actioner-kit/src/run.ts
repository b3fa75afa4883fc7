// An actioner's entry point: `await runActioner("kill-pod", () => import("./descriptor.js"))`.
// OpenTelemetry must patch http and grpc before any module that uses them is loaded, so this module
// imports only the tracing starter and the action catalogue (zod, nothing else); the service — its
// descriptor and action, the runner, the Kubernetes and Pub/Sub clients — is imported after
// instrument() has run. (A static import would be evaluated first, whatever its place in the file.)
import { ACTIONS, type ActionName } from "@riposte/contracts";
import { instrument } from "@riposte/service-kit/instrument";
import type { ActionerDescriptor } from "./service.js";

export async function runActioner(
  action: ActionName,
  loadDescriptor: () => Promise<{ default: ActionerDescriptor }>,
): Promise<void> {
  const { service } = ACTIONS[action];
  instrument(service);
  const { default: descriptor } = await loadDescriptor();
  if (descriptor.action.name !== action) {
    throw new Error(`runActioner("${action}") loaded the descriptor of ${descriptor.name}, not ${service}'s`);
  }
  const { startActioner } = await import("./service.js");
  await startActioner(descriptor);
}
