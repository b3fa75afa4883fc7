// isolator: reads IsolatePod commands. Cuts a pod off the network with a quarantine label and a deny-all NetworkPolicy.
import { Topics } from "@riposte/falco-event";
import { describeActioner } from "@riposte/k8s-response";
import { isolatePod } from "./action.js";

export const isolatorDescriptor = describeActioner(isolatePod, {
  name: "isolator",
  topic: Topics.isolator,
  description: "Cuts a pod off the network with a quarantine label and a deny-all NetworkPolicy",
});

export default isolatorDescriptor;
