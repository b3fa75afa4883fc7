// The deploy plan of the real services: a snapshot of the whole script, and the properties the issue
// binds (instances, timeouts, least-privilege IAM, push auth, dead letters) checked one by one.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { ServiceDescriptor } from "@riposte/service-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../cli/command.js";
import { createDeployCommand, parseClusterOptions, parseEnvOptions } from "../cli/deploy.js";
import { loadServices, repoRoot } from "../services.js";
import { applyPlan, type CommandRunner, DeployApplyError } from "./apply.js";
import { argvOf, type CliCall, type DeployPlan, planCalls, planVariable } from "./commands.js";
import {
  type DeployOptions,
  DeployPlanError,
  deployPlan,
  envVarsFlag,
  PUSH_SERVICE_ACCOUNT_ID,
} from "./plan.js";
import { renderPlan, shellWord } from "./shell.js";

/**
 * The services Riposte ships, in plan order: the snapshot covers exactly these, so `turbo gen service`
 * adding one does not break it (the derived tests below cover every service, whatever there is).
 */
const SHIPPED = [
  "router",
  "capture",
  "isolator",
  "node-capturer",
  "notifier",
  "pod-killer",
  "scc-exporter",
  "tainter",
];

let descriptors: ServiceDescriptor[];
beforeAll(async () => {
  descriptors = (await loadServices()).map((service) => service.descriptor);
});
const shipped = () =>
  SHIPPED.map((name) => {
    const descriptor = descriptors.find((candidate) => candidate.name === name);
    if (!descriptor) throw new Error(`shipped service ${name} has no descriptor under services/`);
    return descriptor;
  });

const PROJECT = "acme-prod";
const FULL: DeployOptions = {
  project: PROJECT,
  region: "europe-west1",
  clusters: [{ name: "prod-eu", location: "europe-west1" }],
  organization: "123456789012",
  env: {
    "scc-exporter": { SCC_SOURCE_NAME: "organizations/123456789012/sources/987" },
    // The Slack workspace whose members may click (the console refuses to start without it).
    console: { SLACK_TEAM_ID: "T0ACME" },
  },
  secrets: { notifier: { SLACK_WEBHOOK_URL: { secret: "riposte-slack-webhook", version: "latest" } } },
  // The console's load balancer: its host name and who may pass IAP.
  consoleDomain: "riposte.acme.com",
  consoleUsers: ["group:sre@acme.com"],
};

const calls = (plan: DeployPlan, path: string) =>
  planCalls(plan).filter((call) => call.program === "gcloud" && call.path.join(" ") === path);
const flag = (call: CliCall | undefined, name: string) =>
  call?.flags.find((candidate) => candidate[0] === name)?.[1];
const hasFlag = (call: CliCall | undefined, name: string) =>
  Boolean(call?.flags.some((candidate) => candidate[0] === name));
const deployOf = (plan: DeployPlan, service: string) =>
  calls(plan, "run deploy").find((call) => call.positionals[0] === service);
const sa = (service: string) => `serviceAccount:riposte-${service}@${PROJECT}.iam.gserviceaccount.com`;

describe("deployPlan of the real services", () => {
  it("matches the snapshot for the shipped services (update with vitest -u after a descriptor changes)", async () => {
    const plan = deployPlan(shipped(), FULL);
    expect(plan.todos).toEqual([]);
    await expect(renderPlan(plan, "riposte deploy plan (test)")).toMatchFileSnapshot(
      "./__snapshots__/deploy-plan.sh",
    );
  });

  it("deploys every service folder under services/, including ones added after the snapshot", () => {
    // From the folders, not loadServices: a service it failed to find would be missing on both sides.
    const servicesDir = join(repoRoot(), "services");
    const folders = readdirSync(servicesDir).filter((name) =>
      existsSync(join(servicesDir, name, "package.json")),
    );
    const deployed = calls(deployPlan(descriptors, FULL), "run deploy").map((call) => call.positionals[0]);
    expect(deployed.sort()).toEqual(folders.sort());
  });

  it("deploys every service with the runtime of its descriptor", () => {
    const plan = deployPlan(descriptors, FULL);
    for (const service of descriptors) {
      const deploy = deployOf(plan, service.name);
      expect(deploy, service.name).toBeDefined();
      expect(flag(deploy, "source")).toBe(`services/${service.name}`);
      expect(flag(deploy, "service-account")).toBe(
        `riposte-${service.name}@${PROJECT}.iam.gserviceaccount.com`,
      );
      expect(hasFlag(deploy, "no-allow-unauthenticated")).toBe(true);
      expect(hasFlag(deploy, "cpu-boost")).toBe(true);
      expect(flag(deploy, "timeout")).toBe(`${service.runtime.ackDeadlineSeconds}s`);
      expect(flag(deploy, "concurrency")).toBe(String(service.runtime.concurrency));
      expect(flag(deploy, "min-instances")).toBe(String(service.runtime.minInstances));
      expect(flag(deploy, "max-instances")).toBe(
        service.runtime.maxInstances === undefined ? undefined : String(service.runtime.maxInstances),
      );
      expect(flag(deploy, "set-env-vars")).toContain(`GOOGLE_CLOUD_PROJECT=${PROJECT}`);
      expect(flag(deploy, "set-env-vars")).toContain("OTEL_METRICS_EXPORTER=none");
      expect(flag(deploy, "set-env-vars")).toContain("OTEL_LOGS_EXPORTER=none");
    }
    // The first responders stay warm.
    expect(flag(deployOf(plan, "router"), "min-instances")).toBe("1");
    expect(flag(deployOf(plan, "pod-killer"), "min-instances")).toBe("1");
  });

  it("grants publisher on each service's own output topics and nothing else", () => {
    const plan = deployPlan(descriptors, FULL);
    const publisherGrants = calls(plan, "pubsub topics add-iam-policy-binding").filter(
      (call) => flag(call, "role") === "roles/pubsub.publisher",
    );
    for (const service of descriptors) {
      const topics = publisherGrants.filter((call) => flag(call, "member") === sa(service.name));
      expect(topics.map((call) => call.positionals[0]).sort(), service.name).toEqual(
        [...service.publishes].sort(),
      );
    }
  });

  it("grants the descriptor's GCP roles: findingsEditor on the organization for scc-exporter only", () => {
    const plan = deployPlan(descriptors, FULL);
    const org = calls(plan, "organizations add-iam-policy-binding");
    expect(org.map((call) => [call.positionals[0], flag(call, "member"), flag(call, "role")])).toEqual([
      ["123456789012", sa("scc-exporter"), "roles/securitycenter.findingsEditor"],
    ]);
    const projectRoles = calls(plan, "projects add-iam-policy-binding").map(
      (call) => `${flag(call, "member")} ${flag(call, "role")}`,
    );
    for (const service of ["pod-killer", "isolator", "tainter"]) {
      expect(projectRoles).toContain(`${sa(service)} roles/container.clusterViewer`);
    }
    expect(projectRoles).not.toContain(`${sa("router")} roles/container.clusterViewer`);
    expect(projectRoles.filter((line) => line.includes("securitycenter"))).toEqual([]);
  });

  it("lets only the push account invoke each service, and signs every push subscription with it", () => {
    const plan = deployPlan(descriptors, FULL);
    const push = `${PUSH_SERVICE_ACCOUNT_ID}@${PROJECT}.iam.gserviceaccount.com`;
    // Besides, a web front's service is invoked by IAP's service agent (plan-approvals.test.ts).
    const iapAgent = `serviceAccount:service-${planVariable("PROJECT_NUMBER")}@gcp-sa-iap.iam.gserviceaccount.com`;
    const bindings = calls(plan, "run services add-iam-policy-binding");
    expect(
      bindings.filter((call) => flag(call, "member") === iapAgent).map((call) => call.positionals[0]),
    ).toEqual(descriptors.filter((d) => d.web).map((d) => d.name));
    const invokers = bindings.filter((call) => flag(call, "member") !== iapAgent);
    expect(invokers.map((call) => call.positionals[0]).sort()).toEqual(descriptors.map((d) => d.name).sort());
    for (const call of invokers) {
      expect(flag(call, "member")).toBe(`serviceAccount:${push}`);
      expect(flag(call, "role")).toBe("roles/run.invoker");
    }
    const pushes = calls(plan, "pubsub subscriptions create").filter((call) =>
      hasFlag(call, "push-endpoint"),
    );
    // Dead-letter topics pushed to the notifier's /dead-letters: signed too, never dead-lettered (no loop).
    const announcing = pushes.filter((call) => flag(call, "topic")?.endsWith("-dead-letter"));
    expect(announcing.length).toBeGreaterThan(0);
    for (const call of announcing) {
      expect(flag(call, "push-auth-service-account")).toBe(push);
      expect(flag(call, "push-endpoint")).toBe(`${planVariable("NOTIFIER_URL")}/dead-letters`);
      expect(hasFlag(call, "dead-letter-topic")).toBe(false);
    }
    const pushSubscriptions = pushes.filter((call) => !announcing.includes(call));
    const inputs = descriptors.flatMap((d) => d.inputs.map((input) => ({ service: d, input })));
    expect(pushSubscriptions).toHaveLength(inputs.length);
    for (const call of pushSubscriptions) {
      expect(flag(call, "push-auth-service-account")).toBe(push);
      expect(flag(call, "dead-letter-topic")).toBe(`${call.positionals[0]}-dead-letter`);
      const owner = descriptors.find((d) =>
        flag(call, "push-endpoint")?.startsWith(`\${${d.name.toUpperCase().replace(/-/g, "_")}_URL}`),
      );
      expect(owner, call.positionals[0]).toBeDefined();
      // Each service's own redelivery policy, from its descriptor.
      const redelivery = owner?.runtime.redelivery;
      expect(flag(call, "max-delivery-attempts")).toBe(String(redelivery?.maxDeliveryAttempts));
      expect(flag(call, "min-retry-delay")).toBe(`${redelivery?.minimumBackoffSeconds}s`);
      expect(flag(call, "max-retry-delay")).toBe(`${redelivery?.maximumBackoffSeconds}s`);
      expect(flag(call, "ack-deadline")).toBe(String(owner?.runtime.ackDeadlineSeconds));
    }
  });

  it("reads each service URL after deploying it and before any subscription uses it", () => {
    const plan = deployPlan(descriptors, FULL);
    const commands = plan.steps.flatMap((step) => step.commands);
    const captured = new Set<string>();
    for (const command of commands) {
      for (const word of [...(command.unless ? argvOf(command.unless) : []), ...argvOf(command.call)]) {
        for (const match of word.matchAll(/\$\{([A-Z0-9_]+)\}/g)) {
          expect(
            captured.has(match[1] as string),
            `${match[1]} used in ${argvOf(command.call).join(" ")}`,
          ).toBe(true);
        }
      }
      if (command.capture) captured.add(command.capture);
    }
  });

  it("derives CLUSTERS from --cluster", () => {
    const plan = deployPlan(descriptors, FULL);
    const map = JSON.stringify({ "prod-eu": "projects/acme-prod/locations/europe-west1/clusters/prod-eu" });
    expect(flag(deployOf(plan, "pod-killer"), "set-env-vars")).toContain(`CLUSTERS=${map}`);
    expect(flag(deployOf(plan, "scc-exporter"), "set-env-vars")).toContain(`CLUSTERS=${map}`);
    expect(flag(deployOf(plan, "router"), "set-env-vars")).not.toContain("CLUSTERS");
  });

  it("maps every --cluster in CLUSTERS and applies the RBAC in each", () => {
    const clusters = [
      { name: "prod-eu", location: "europe-west1" },
      { name: "prod-us", location: "us-central1-a" },
    ];
    const plan = deployPlan(descriptors, { ...FULL, clusters });
    const map = JSON.stringify({
      "prod-eu": "projects/acme-prod/locations/europe-west1/clusters/prod-eu",
      "prod-us": "projects/acme-prod/locations/us-central1-a/clusters/prod-us",
    });
    expect(flag(deployOf(plan, "tainter"), "set-env-vars")).toContain(`CLUSTERS=${map}`);
    expect(calls(plan, "container clusters get-credentials").map((call) => call.positionals[0])).toEqual([
      "prod-eu",
      "prod-us",
    ]);
    expect(plan.preflight.clusters.map((cluster) => cluster.name)).toEqual(["prod-eu", "prod-us"]);
  });

  it("the notifier's destination is required at deploy: a TODO until one of its two forms is given", () => {
    const { secrets: _none, ...withoutDestination } = FULL;
    const todos = deployPlan(descriptors, withoutDestination).todos;
    expect(todos.map((todo) => `${todo.service}:${todo.variable}`)).toEqual([
      "notifier:NOTIFY_DESTINATIONS or SLACK_WEBHOOK_URL",
    ]);
    const viaEnv = { ...withoutDestination, env: { ...FULL.env, notifier: { NOTIFY_DESTINATIONS: "[]" } } };
    expect(deployPlan(descriptors, viaEnv).todos).toEqual([]);
  });

  it("derives --no-cpu-throttling from runtime.cpuAlwaysAllocated (the notifier's storm timers)", () => {
    const plan = deployPlan(descriptors, FULL);
    for (const service of descriptors) {
      expect(hasFlag(deployOf(plan, service.name), "no-cpu-throttling"), service.name).toBe(
        service.runtime.cpuAlwaysAllocated === true,
      );
    }
    expect(hasFlag(deployOf(plan, "notifier"), "no-cpu-throttling")).toBe(true);
  });

  it("gives Direct VPC egress to the services that call a cluster's API server, and only with --network/--subnet", () => {
    const vpc = { network: "prod", subnet: "riposte-egress" };
    const plan = deployPlan(descriptors, { ...FULL, vpc });
    for (const service of descriptors) {
      const deploy = deployOf(plan, service.name);
      const reaches = service.kubernetes.length > 0;
      expect(flag(deploy, "network"), service.name).toBe(reaches ? "prod" : undefined);
      expect(flag(deploy, "subnet"), service.name).toBe(reaches ? "riposte-egress" : undefined);
      expect(flag(deploy, "vpc-egress"), service.name).toBe(reaches ? "private-ranges-only" : undefined);
    }
    expect(
      ["pod-killer", "isolator", "tainter"].every((name) => hasFlag(deployOf(plan, name), "network")),
    ).toBe(true);
    expect(renderPlan(plan, "x")).toContain(
      "cluster prod-eu: if it has master authorized networks, add subnet riposte-egress's range",
    );
    expect(calls(deployPlan(descriptors, FULL), "run deploy").some((call) => hasFlag(call, "network"))).toBe(
      false,
    );
  });

  it("grants run.builder to the account Cloud Build builds with, and one trace role to every service", () => {
    const plan = deployPlan(descriptors, FULL);
    const grants = calls(plan, "projects add-iam-policy-binding").map(
      (call) => `${flag(call, "member")} ${flag(call, "role")}`,
    );
    expect(grants).toContain(
      `serviceAccount:${planVariable("PROJECT_NUMBER")}-compute@developer.gserviceaccount.com roles/run.builder`,
    );
    for (const service of descriptors)
      expect(grants).toContain(`${sa(service.name)} roles/telemetry.tracesWriter`);
    expect(grants.filter((grant) => /cloudtrace/.test(grant))).toEqual([]);
  });

  it("lists what the operator must still supply as TODOs", () => {
    const plan = deployPlan(descriptors, { project: PROJECT, region: "europe-west1" });
    const todos = plan.todos.map((todo) => `${todo.service ?? "*"}:${todo.variable}`);
    expect(todos).toEqual(
      expect.arrayContaining([
        "pod-killer:CLUSTERS",
        "scc-exporter:SCC_SOURCE_NAME",
        "scc-exporter:CLUSTERS",
        "*:ORGANIZATION_ID",
        "*:CLUSTER_NAME",
      ]),
    );
    expect(flag(deployOf(plan, "pod-killer"), "set-env-vars")).toContain("CLUSTERS=TODO-CLUSTERS");
    expect(renderPlan(plan, "x")).toContain("# TODO before running");
  });

  it("plans one service alone with only what it owns", () => {
    const plan = deployPlan(descriptors, { ...FULL, only: ["router"] });
    expect(calls(plan, "run deploy").map((call) => call.positionals[0])).toEqual(["router"]);
    expect(calls(plan, "pubsub subscriptions create").map((call) => call.positionals[0])).toEqual([
      "router",
      "router-dead-letter",
    ]);
    expect(calls(plan, "iam service-accounts create").map((call) => call.positionals[0])).toEqual([
      "riposte-router",
      PUSH_SERVICE_ACCOUNT_ID,
    ]);
    expect(() => deployPlan(descriptors, { ...FULL, only: ["nope"] })).toThrow(DeployPlanError);
  });

  it("refuses a GKE_API_ENDPOINT other than https://container.googleapis.com (it would receive Google credentials)", () => {
    const withEndpoint = (endpoint: string): DeployOptions => ({
      ...FULL,
      env: { ...FULL.env, tainter: { GKE_API_ENDPOINT: endpoint } },
    });
    for (const endpoint of [
      "https://evil.example",
      "http://container.googleapis.com",
      "https://googleapis.com.evil.example",
      "https://attacker-bucket.storage.googleapis.com",
    ])
      expect(() => deployPlan(descriptors, withEndpoint(endpoint)), endpoint).toThrow(
        /tainter: GKE_API_ENDPOINT .* (must|is not)/,
      );
    expect(() => deployPlan(descriptors, withEndpoint("https://container.googleapis.com"))).not.toThrow();
  });

  it("refuses a service name too long for its service account id", () => {
    const long = { ...descriptors[0], name: "a-service-name-of-23-ch" } as ServiceDescriptor;
    expect(() => deployPlan([long], FULL)).toThrow(/at most 22/);
  });
});

describe("shell rendering", () => {
  it("quotes every word so that bash reads back exactly the argument", () => {
    const words = [
      "plain",
      "--format=value(status.url)",
      '{"prod-eu":"projects/p/locations/l/clusters/c"}',
      "it's",
      "a b",
      `${planVariable("ROUTER_URL")}/outcomes`,
      `$HOME ${"$"}{NOT_OURS`,
      "back`tick`",
    ];
    const script = `ROUTER_URL=https://r.run.app; printf '%s\\n' ${words.map(shellWord).join(" ")}`;
    const printed = execFileSync("bash", ["-c", script], { encoding: "utf8" }).split("\n").slice(0, -1);
    expect(printed).toEqual(
      words.map((word) => word.replace(planVariable("ROUTER_URL"), "https://r.run.app")),
    );
  });

  it("uses gcloud's alternate delimiter when an env value holds a comma", () => {
    expect(envVarsFlag({ A: "1", B: "2" })).toBe("A=1,B=2");
    expect(envVarsFlag({ A: '{"x":1,"y":2}', B: "2" })).toBe('^@^A={"x":1,"y":2}@B=2');
    expect(envVarsFlag({ A: "a,b@c" })).toBe("^|^A=a,b@c");
  });
});

describe("applyPlan", () => {
  const recorder = (answers: (argv: readonly string[]) => { code: number; stdout?: string }) => {
    const ran: string[] = [];
    const runner: CommandRunner = {
      run: async (argv) => {
        ran.push(argv.join(" "));
        const answer = answers(argv);
        return { code: answer.code, stdout: answer.stdout ?? "" };
      },
    };
    return { ran, runner };
  };

  it("skips what exists, carries captured values forward, and stops at the first failure", async () => {
    const plan = deployPlan(descriptors, { ...FULL, only: ["router"] });
    const { ran, runner } = recorder((argv) => {
      if (argv.includes("describe") && argv.includes("topics")) return { code: 0 }; // topics exist
      if (argv.includes("describe")) {
        if (argv.includes("--format=value(status.url)"))
          return { code: 0, stdout: "https://router-x.a.run.app\n" };
        if (argv.includes("--format=value(projectNumber)")) return { code: 0, stdout: "4242\n" };
        return { code: 1 };
      }
      return { code: 0 };
    });
    const report = await applyPlan(plan, runner, () => {});
    expect(report.variables.get("ROUTER_URL")).toBe("https://router-x.a.run.app");
    expect(ran.some((line) => line.startsWith("gcloud pubsub topics create"))).toBe(false);
    expect(ran).toContain(
      "gcloud pubsub subscriptions create router --topic=falco-events --project=acme-prod --ack-deadline=30 --push-endpoint=https://router-x.a.run.app/ --push-auth-service-account=riposte-pubsub-push@acme-prod.iam.gserviceaccount.com --push-auth-token-audience=https://router-x.a.run.app --min-retry-delay=1s --max-retry-delay=60s --dead-letter-topic=router-dead-letter --max-delivery-attempts=20",
    );
    expect(ran.some((line) => line.includes("service-4242@gcp-sa-pubsub"))).toBe(true);

    const failing = recorder((argv) => ({
      code: argv.includes("deploy") && argv.includes("run") ? 1 : 0,
      stdout: "x",
    }));
    await expect(applyPlan(plan, failing.runner, () => {})).rejects.toThrow(
      /Deploy the services.*gcloud run deploy router/,
    );
    expect(failing.ran.some((line) => line.includes("add-iam-policy-binding router --region"))).toBe(false);
  });

  it("refuses a plan with TODOs", async () => {
    const plan = deployPlan(descriptors, { project: PROJECT, region: "europe-west1" });
    await expect(applyPlan(plan, recorder(() => ({ code: 0 })).runner, () => {})).rejects.toThrow(
      DeployApplyError,
    );
  });
});

describe("riposte deploy", () => {
  const command = (options: { interactive: boolean; answer?: boolean }) => {
    const out: string[] = [];
    const ran: string[] = [];
    const deploy = createDeployCommand({
      loadDescriptors: async () => descriptors,
      runner: {
        run: async (argv) => {
          ran.push(argv.join(" "));
          return {
            code: argv.includes("describe") && !argv.some((a) => a.startsWith("--format")) ? 1 : 0,
            stdout: "v",
          };
        },
      },
      isInteractive: () => options.interactive,
      confirm: async () => options.answer ?? false,
      out: (text) => out.push(text),
    });
    return { deploy, out, ran };
  };
  const args = ["plan", "--project", PROJECT, "--region", "europe-west1", "--service", "router"];

  it("prints the plan and runs nothing without --apply", async () => {
    const { deploy, out, ran } = command({ interactive: true });
    expect(await deploy.run(args)).toBe(0);
    expect(out.join("")).toContain("gcloud run deploy router");
    expect(ran).toEqual([]);
  });

  it("--apply needs a terminal or --yes, and a yes", async () => {
    const noTty = command({ interactive: false });
    await expect(noTty.deploy.run([...args, "--apply"])).rejects.toThrow(/--yes/);
    expect(noTty.ran).toEqual([]);

    const declined = command({ interactive: true, answer: false });
    expect(await declined.deploy.run([...args, "--apply"])).toBe(1);
    expect(declined.ran).toEqual([]);

    const accepted = command({ interactive: true, answer: true });
    expect(await accepted.deploy.run([...args, "--apply"])).toBe(0);
    expect(accepted.ran).toContain("npm run build --workspace=services/router");

    const yes = command({ interactive: false });
    expect(await yes.deploy.run([...args, "--apply", "--yes"])).toBe(0);
    expect(yes.ran.length).toBeGreaterThan(10);
  });

  it("takes every --cluster NAME[:LOCATION], refusing a name twice or a malformed one", () => {
    expect(parseClusterOptions(["prod-eu", "prod-us:us-central1-a"], "europe-west1")).toEqual([
      { name: "prod-eu", location: "europe-west1" },
      { name: "prod-us", location: "us-central1-a" },
    ]);
    expect(() => parseClusterOptions(["prod-eu", "prod-eu:us-central1"], "europe-west1")).toThrow(
      /given twice/,
    );
    expect(() => parseClusterOptions(["Prod EU"], "europe-west1")).toThrow(
      /--cluster expects NAME\[:LOCATION\]/,
    );
  });

  it("checks --env values against the service's schema", () => {
    expect(() => parseEnvOptions(["scc-exporter:SCC_SOURCE_NAME=nope"], descriptors)).toThrow(
      /scc-exporter SCC_SOURCE_NAME: .*got "nope"/,
    );
    expect(() => parseEnvOptions(["router:NOPE=1"], descriptors)).toThrow(/router has no variable NOPE/);
    expect(() => parseEnvOptions(["lowercase"], descriptors)).toThrow(UsageError);
    expect(parseEnvOptions(["DRY_RUN=true"], descriptors)).toMatchObject({
      router: { DRY_RUN: "true" },
      "pod-killer": { DRY_RUN: "true" },
    });
  });
});
