// pod-killer: runs kill-pod (action.ts). Its name, topic and description come from the action; what is
// written here is what only this actioner has.
import { describeActioner } from "@riposte/actioner-kit";
import { RESPONDER_REDELIVERY } from "@riposte/service-kit";
import { killPod } from "./action.js";

export default describeActioner(killPod, {
  localPortOffset: 3,
  runtime: {
    // Killing is the first response: keep one instance warm.
    minInstances: 1,
    // A failed kill is retried after 1 s (the attacker's shell lives until it lands), and for ~14 min
    // before it dead-letters: an API-server blip or a throttled API is outlasted.
    redelivery: RESPONDER_REDELIVERY,
  },
});
