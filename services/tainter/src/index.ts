export { taintNode } from "./action.js";
export { createApp, type TainterDeps } from "./app.js";
export { tainterDescriptor } from "./descriptor.js";
export { type LiftRequest, type LiftResult, liftTaint } from "./lift.js";
