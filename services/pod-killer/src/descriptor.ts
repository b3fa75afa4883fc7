// pod-killer: runs kill-pod (action.ts). Its name, topic and description come from the action; what is
// written here is what only this actioner has (its retries are the kit's: ACTIONER_REDELIVERY).
import { describeActioner } from "@riposte/actioner-kit";
import { killPod } from "./action.js";

export default describeActioner(killPod, {
  localPortOffset: 3,
  runtime: {
    // Killing is the first response: keep one instance warm.
    minInstances: 1,
  },
});
