// `--ingest sidekick|logging|both`: how Falco's alerts reach falco-events. sidekick (the default)
// binds falcosidekick's identity; logging creates a Cloud Logging sink on Falco's container logs and
// lets the sink's writer identity publish to falco-events, without any falcosidekick binding.
import type { ServiceDescriptor } from "@riposte/service-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../cli/command.js";
import { createDeployCommand } from "../cli/deploy.js";
import { loadServices } from "../services.js";
import { type CliCall, type DeployPlan, planCalls, planVariable } from "./commands.js";
import { type DeployOptions, deployPlan } from "./plan.js";
import { FALCO_LOG_SINK, falcoLogFilter } from "./steps/log-sink.js";

let descriptors: ServiceDescriptor[];
beforeAll(async () => {
  descriptors = (await loadServices()).map((service) => service.descriptor);
});

const PROJECT = "acme-prod";
const BASE: DeployOptions = { project: PROJECT, region: "europe-west1" };
const SIDEKICK = `serviceAccount:riposte-falcosidekick@${PROJECT}.iam.gserviceaccount.com`;

const gcloudCalls = (plan: DeployPlan, path: string): CliCall[] =>
  planCalls(plan).filter((call) => call.program === "gcloud" && call.path.join(" ") === path);
const flag = (call: CliCall | undefined, name: string) =>
  call?.flags.find((candidate) => candidate[0] === name)?.[1];
const publishersOnFalcoEvents = (plan: DeployPlan) =>
  gcloudCalls(plan, "pubsub topics add-iam-policy-binding")
    .filter((call) => call.positionals[0] === "falco-events")
    .map((call) => ({ member: flag(call, "member"), role: flag(call, "role") }));
const createsSidekickAccount = (plan: DeployPlan) =>
  gcloudCalls(plan, "iam service-accounts create").some(
    (call) => call.positionals[0] === "riposte-falcosidekick",
  );

describe("deploy plan --ingest", () => {
  it("sidekick (the default): falcosidekick's binding, no log sink", () => {
    for (const plan of [
      deployPlan(descriptors, BASE),
      deployPlan(descriptors, { ...BASE, ingest: "sidekick" }),
    ]) {
      expect(publishersOnFalcoEvents(plan)).toEqual([{ member: SIDEKICK, role: "roles/pubsub.publisher" }]);
      expect(gcloudCalls(plan, "logging sinks create")).toEqual([]);
      expect(createsSidekickAccount(plan)).toBe(true);
    }
  });

  it("logging: a sink on Falco's container logs to falco-events, its writer identity a publisher there; no falcosidekick", () => {
    const plan = deployPlan(descriptors, { ...BASE, ingest: "logging" });
    const [create] = gcloudCalls(plan, "logging sinks create");
    expect(create?.positionals).toEqual([
      FALCO_LOG_SINK,
      `pubsub.googleapis.com/projects/${PROJECT}/topics/falco-events`,
    ]);
    expect(flag(create, "log-filter")).toBe(falcoLogFilter());
    expect(flag(create, "project")).toBe(PROJECT);
    // The writer identity is read back from the sink, then granted publisher on the topic only.
    const describe = planCalls(plan).find(
      (call) =>
        call.path.join(" ") === "logging sinks describe" && flag(call, "format") === "value(writerIdentity)",
    );
    expect(describe?.positionals).toEqual([FALCO_LOG_SINK]);
    expect(publishersOnFalcoEvents(plan)).toEqual([
      { member: planVariable("FALCO_SINK_WRITER"), role: "roles/pubsub.publisher" },
    ]);
    expect(
      gcloudCalls(plan, "projects add-iam-policy-binding").map((call) => flag(call, "member")),
    ).not.toContain(planVariable("FALCO_SINK_WRITER"));
    expect(createsSidekickAccount(plan)).toBe(false);
    expect(JSON.stringify(plan.steps)).not.toMatch(/riposte-falcosidekick|falco\/falcosidekick/);
    expect(gcloudCalls(plan, "services enable")[0]?.positionals).toContain("logging.googleapis.com");
  });

  it("the sink's filter: Falco's DaemonSet container in its namespace, on GKE containers", () => {
    expect(falcoLogFilter()).toBe(
      'resource.type="k8s_container" AND resource.labels.namespace_name="falco" AND resource.labels.container_name="falco"',
    );
  });

  it("both: the sink and falcosidekick's binding", () => {
    const plan = deployPlan(descriptors, { ...BASE, ingest: "both" });
    expect(publishersOnFalcoEvents(plan)).toEqual([
      { member: SIDEKICK, role: "roles/pubsub.publisher" },
      { member: planVariable("FALCO_SINK_WRITER"), role: "roles/pubsub.publisher" },
    ]);
    expect(gcloudCalls(plan, "logging sinks create")).toHaveLength(1);
  });

  it("a plan of some services only creates neither (falco-events is the whole plan's)", () => {
    const plan = deployPlan(descriptors, { ...BASE, only: ["router"], ingest: "logging" });
    expect(gcloudCalls(plan, "logging sinks create")).toEqual([]);
    expect(publishersOnFalcoEvents(plan)).toEqual([]);
  });

  it("the preflight checks the caller may create sinks only when the plan creates one", () => {
    const permissions = (options: Partial<DeployOptions>) =>
      deployPlan(descriptors, { ...BASE, ...options }).preflight.projectPermissions.map((p) => p.permission);
    expect(permissions({ ingest: "logging" })).toContain("logging.sinks.create");
    expect(permissions({ ingest: "both" })).toContain("logging.sinks.create");
    expect(permissions({ ingest: "sidekick" })).not.toContain("logging.sinks.create");
    expect(permissions({ ingest: "logging", only: ["router"] })).not.toContain("logging.sinks.create");
  });

  it("re-runs do not create the sink twice", () => {
    const plan = deployPlan(descriptors, { ...BASE, ingest: "logging" });
    const step = plan.steps.find((candidate) =>
      candidate.commands.some((c) => c.call.path.join(" ") === "logging sinks create"),
    );
    const create = step?.commands.find((c) => c.call.path.join(" ") === "logging sinks create");
    expect(create?.unless?.path).toEqual(["logging", "sinks", "describe"]);
  });
});

describe("riposte deploy plan --ingest", () => {
  const run = async (...extra: string[]) => {
    const out: string[] = [];
    const deploy = createDeployCommand({
      loadDescriptors: async () => descriptors,
      runner: { run: async () => ({ code: 0, stdout: "" }) },
      isInteractive: () => false,
      confirm: async () => false,
      out: (text) => out.push(text),
    });
    const code = await deploy.run(["plan", "--project", PROJECT, "--region", "europe-west1", ...extra]);
    return { code, text: out.join("") };
  };

  it("--ingest logging prints the sink and no falcosidekick binding", async () => {
    const { code, text } = await run("--ingest", "logging");
    expect(code).toBe(0);
    expect(text).toContain(`gcloud logging sinks create ${FALCO_LOG_SINK}`);
    expect(text).not.toContain("riposte-falcosidekick");
  });

  it("refuses any other value, naming the three", async () => {
    await expect(run("--ingest", "fluentd")).rejects.toThrow(UsageError);
    await expect(run("--ingest", "fluentd")).rejects.toThrow(/sidekick\|logging\|both/);
  });
});
