// isolator: runs isolate-pod (action.ts). Its name, topic and description come from the action; what is
// written here is what only this actioner has.
import { describeActioner } from "@riposte/actioner-kit";
import { RESPONDER_REDELIVERY } from "@riposte/service-kit";
import { isolatePod } from "./action.js";

export default describeActioner(isolatePod, {
  localPortOffset: 1,
  // Retried after 1 s, and for ~14 min before the command dead-letters.
  runtime: { redelivery: RESPONDER_REDELIVERY },
});
