// tainter: runs taint-node (action.ts). Its name, topic and description come from the action; what is
// written here is what only this actioner has.
import { describeActioner } from "@riposte/actioner-kit";
import { RESPONDER_REDELIVERY } from "@riposte/service-kit";
import { taintNode } from "./action.js";

export default describeActioner(taintNode, {
  localPortOffset: 6,
  // Retried after 1 s, and for ~14 min before the command dead-letters.
  runtime: { redelivery: RESPONDER_REDELIVERY },
});
