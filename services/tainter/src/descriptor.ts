// tainter: reads TaintNode commands. Taints the node an alert names so nothing new is scheduled there.
import { Topics } from "@riposte/falco-event";
import { describeActioner } from "@riposte/k8s-response";
import { RESPONDER_REDELIVERY } from "@riposte/service-kit";
import { taintNode } from "./action.js";

export const tainterDescriptor = describeActioner(taintNode, {
  name: "tainter",
  topic: Topics.tainter,
  description: "Taints the node an alert names so nothing new is scheduled there",
  localPortOffset: 6,
  // Retried after 1 s, and for ~14 min before the command dead-letters.
  runtime: { redelivery: RESPONDER_REDELIVERY },
});

export default tainterDescriptor;
