// isolator: runs isolate-pod (action.ts). Its name, topic and description come from the action; what is
// written here is what only this actioner has.
import { describeActioner } from "@riposte/actioner-kit";
import { RESPONDER_REDELIVERY } from "@riposte/service-kit";
import { isolatePod, isolatorLeases } from "./action.js";
import { releaseExpiredCall } from "./leases.js";

export default describeActioner(isolatePod, {
  localPortOffset: 1,
  // Retried after 1 s, and for ~14 min before the command dead-letters.
  runtime: { redelivery: RESPONDER_REDELIVERY },
  // Expired quarantine leases are released by a scheduled call (leases.ts).
  scheduled: [releaseExpiredCall(isolatorLeases)],
});
