import { type ActionerDeps, createActionerApp } from "@riposte/actioner-kit";
import { isolatePod, isolatePodWithLeases, isolatorLeases } from "./action.js";
import type { QuarantineLeases } from "./config.js";
import { releaseExpiredCall } from "./leases.js";

export type { QuarantineLeases } from "./config.js";
export { LEASE_RELEASER, RELEASE_EXPIRED_PATH, RELEASE_EXPIRED_SCHEDULE } from "./leases.js";
export { type ReleaseResult, releaseQuarantine } from "./release.js";
export { isolatePod };
/** The service's app, for tests that drive it in process (`leases`: in a ledger of the test's). */
export const createApp = (deps: ActionerDeps, options: { leases?: QuarantineLeases } = {}) => {
  const leases = options.leases ?? isolatorLeases;
  const action = options.leases ? isolatePodWithLeases(options.leases) : isolatePod;
  return createActionerApp(action, deps, [releaseExpiredCall(leases)]);
};
