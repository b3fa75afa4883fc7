// The console as services/console declares it, deployed: Slack's click is answered within ~2.5 s and
// its work (who clicked, decide, publish, the in-place update) goes on after the answer
// (services/console/src/slack/route.ts). Cloud Run throttles the CPU of a request-billed instance once
// its response is sent, so that work would stall until the next request reaches the instance: a
// decision taken but not published nor told (the clicker clicks again, the scheduled call publishes it
// a minute later, and the stalled instance may publish it again when it wakes). The console's CPU must
// stay allocated between requests, as the notifier's is for its timers (issue 21 review).
import type { ServiceDescriptor } from "@riposte/service-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { loadServices } from "../services.js";
import { type DeployPlan, planCalls } from "./commands.js";
import { deployPlan } from "./plan.js";

let all: ServiceDescriptor[];
beforeAll(async () => {
  all = (await loadServices()).map((service) => service.descriptor);
});

const consoleDeploy = (plan: DeployPlan) =>
  planCalls(plan).find(
    (call) =>
      call.program === "gcloud" && call.path.join(" ") === "run deploy" && call.positionals[0] === "console",
  );

describe("the console's deployment under attack", () => {
  it("keeps the CPU allocated after Slack's click is answered, so the decision's publish and update finish", () => {
    const plan = deployPlan(all, {
      project: "acme-prod",
      region: "europe-west1",
      only: ["console"],
      consoleDomain: "riposte.acme.com",
      consoleUsers: ["group:sre@acme.com"],
    });
    const deploy = consoleDeploy(plan);
    expect(deploy).toBeDefined();
    expect(deploy?.flags.some(([name]) => name === "no-cpu-throttling")).toBe(true);
  });
});
