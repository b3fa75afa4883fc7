// tainter: runs taint-node (action.ts). Its name, topic and description come from the action; what is
// written here is what only this actioner has (its retries are the kit's: ACTIONER_REDELIVERY).
import { describeActioner } from "@riposte/actioner-kit";
import { taintNode } from "./action.js";

export default describeActioner(taintNode, {
  localPortOffset: 6,
});
