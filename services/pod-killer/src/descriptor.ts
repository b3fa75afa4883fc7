// pod-killer: reads KillPod commands and deletes the pod.
import { Topics } from "@riposte/falco-event";
import { describeActioner } from "@riposte/k8s-response";
import { RESPONDER_REDELIVERY } from "@riposte/service-kit";
import { killPod } from "./action.js";

export const podKillerDescriptor = describeActioner(killPod, {
  name: "pod-killer",
  topic: Topics.podKiller,
  description: "Deletes the pod an alert names, guarded by its uid",
  localPortOffset: 3,
  runtime: {
    // Killing is the first response: keep one instance warm.
    minInstances: 1,
    // A failed kill is retried after 1 s (the attacker's shell lives until it lands), and for ~14 min
    // before it dead-letters: an API-server blip or a throttled API is outlasted.
    redelivery: RESPONDER_REDELIVERY,
  },
});

export default podKillerDescriptor;
