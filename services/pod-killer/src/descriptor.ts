// pod-killer: reads KillPod commands and deletes the pod.
import { Topics } from "@riposte/falco-event";
import { describeActioner } from "@riposte/k8s-response";
import { killPod } from "./action.js";

export const podKillerDescriptor = describeActioner(killPod, {
  name: "pod-killer",
  topic: Topics.podKiller,
  description: "Deletes the pod an alert names, guarded by its uid",
  // Killing is the first response: keep one instance warm.
  runtime: { minInstances: 1 },
});

export default podKillerDescriptor;
