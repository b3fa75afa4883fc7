// isolator: runs isolate-pod (action.ts). Its name, topic and description come from the action; what is
// written here is what only this actioner has (its retries are the kit's: ACTIONER_REDELIVERY).
import { describeActioner } from "@riposte/actioner-kit";
import { isolatePod, isolatorLeases } from "./action.js";
import { releaseExpiredCall } from "./leases.js";

export default describeActioner(isolatePod, {
  localPortOffset: 1,
  // Expired quarantine leases are released by a scheduled call (leases.ts).
  scheduled: [releaseExpiredCall(isolatorLeases)],
});
