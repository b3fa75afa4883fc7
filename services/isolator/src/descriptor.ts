// isolator: reads IsolatePod commands. Cuts a pod off the network with a quarantine label and a deny-all NetworkPolicy.
import { Topics } from "@riposte/falco-event";
import { describeActioner } from "@riposte/k8s-response";
import { RESPONDER_REDELIVERY } from "@riposte/service-kit";
import { isolatePod } from "./action.js";

export const isolatorDescriptor = describeActioner(isolatePod, {
  name: "isolator",
  topic: Topics.isolator,
  description: "Cuts a pod off the network with a quarantine label and a deny-all NetworkPolicy",
  localPortOffset: 1,
  // Retried after 1 s, and for ~14 min before the command dead-letters.
  runtime: { redelivery: RESPONDER_REDELIVERY },
});

export default isolatorDescriptor;
