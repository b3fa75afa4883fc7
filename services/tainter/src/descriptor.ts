// tainter: reads TaintNode commands. Taints the node an alert names so nothing new is scheduled there.
import { Topics } from "@riposte/falco-event";
import { describeActioner } from "@riposte/k8s-response";
import { taintNode } from "./action.js";

export const tainterDescriptor = describeActioner(taintNode, {
  name: "tainter",
  topic: Topics.tainter,
  description: "Taints the node an alert names so nothing new is scheduled there",
});

export default tainterDescriptor;
