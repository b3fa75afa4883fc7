// node-capturer: runs capture-node (action.ts). Its name, topic and description come from the action and the
// catalogue (@riposte/contracts actions.ts); what is written here is what only this actioner has (its
// retries are the kit's: ACTIONER_REDELIVERY). Topology, RBAC, the deploy plan and `npm start` are
// derived from it.
import { describeActioner } from "@riposte/actioner-kit";
import { captureNode } from "./action.js";

export default describeActioner(captureNode, {
  // `npm start` serves it on RIPOSTE_PORT_BASE + this; chosen by the generator, never reused.
  localPortOffset: 8,
});
