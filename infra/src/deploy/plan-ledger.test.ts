// The incident ledger in the deploy plan: Firestore's API and database, each ledger user's
// datastore.user grant, the TTL policies, the notifier's Cloud Scheduler job, and the preflight's
// permissions for them — all derived from the descriptors and the ledger's own collections.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { LedgerEnv } from "@riposte/ledger";
import type { ServiceDescriptor } from "@riposte/service-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createDeployCommand } from "../cli/deploy.js";
import { scheduledCallsOf } from "../dev/scheduled-calls.js";
import { loadServices, repoRoot } from "../services.js";
import { applyPlan, type CommandRunner } from "./apply.js";
import { type CliCall, type DeployPlan, planCalls, planVariable } from "./commands.js";
import { type DeployOptions, DeployPlanError, deployPlan } from "./plan.js";
import { LEDGER_COLLECTION_GROUPS, usesLedger } from "./steps/ledger.js";

let descriptors: ServiceDescriptor[];
/** Every service opens the ledger: this one, the scc-exporter without the ledger's variables, does not. */
let withoutLedger: ServiceDescriptor;
beforeAll(async () => {
  descriptors = (await loadServices()).map((service) => service.descriptor);
  const exporter = descriptors.find((service) => service.name === "scc-exporter") as ServiceDescriptor;
  const shape: Record<string, z.ZodType> = { ...exporter.env.shape };
  for (const key of Object.keys(LedgerEnv)) delete shape[key];
  withoutLedger = { ...exporter, name: "no-ledger", env: z.object(shape) } as ServiceDescriptor;
});
/** A plan of only the service that does not open the ledger. */
const withoutLedgerPlan = () => deployPlan([...descriptors, withoutLedger], { ...BASE, only: ["no-ledger"] });

const PROJECT = "acme-prod";
const BASE: DeployOptions = { project: PROJECT, region: "europe-west1" };

const calls = (plan: DeployPlan, path: string) =>
  planCalls(plan).filter((call) => call.program === "gcloud" && call.path.join(" ") === path);
const commandsOf = (plan: DeployPlan, path: string) =>
  plan.steps.flatMap((step) => step.commands).filter((command) => command.call.path.join(" ") === path);
const flag = (call: CliCall | undefined, name: string) =>
  call?.flags.find((candidate) => candidate[0] === name)?.[1];
const stepIndex = (plan: DeployPlan, path: string) =>
  plan.steps.findIndex((step) => step.commands.some((command) => command.call.path.join(" ") === path));

describe("the incident ledger in the deploy plan", () => {
  it("knows the ledger's users from their env schemas: every service, and not one without its variables", () => {
    const users = descriptors.filter(usesLedger).map((service) => service.name);
    expect(users).toEqual(
      expect.arrayContaining(["router", "pod-killer", "isolator", "tainter", "notifier", "scc-exporter"]),
    );
    expect(usesLedger(withoutLedger)).toBe(false);
    for (const service of descriptors) {
      expect(usesLedger(service), service.name).toBe("LEDGER_DATABASE" in service.env.shape);
    }
  });

  it("enables Firestore and Cloud Scheduler, and neither for a plan without ledger users", () => {
    const plan = deployPlan(descriptors, BASE);
    expect(plan.preflight.apis).toEqual(
      expect.arrayContaining(["firestore.googleapis.com", "cloudscheduler.googleapis.com"]),
    );
    const noLedgerOnly = withoutLedgerPlan();
    expect(noLedgerOnly.preflight.apis).not.toContain("firestore.googleapis.com");
    expect(noLedgerOnly.preflight.apis).not.toContain("cloudscheduler.googleapis.com");
    expect(calls(noLedgerOnly, "firestore databases create")).toEqual([]);
    expect(calls(noLedgerOnly, "scheduler jobs create http")).toEqual([]);
  });

  it("creates the Firestore Native database in --region unless it exists, before any service is deployed", () => {
    const plan = deployPlan(descriptors, BASE);
    const [create] = commandsOf(plan, "firestore databases create");
    expect(commandsOf(plan, "firestore databases create")).toHaveLength(1);
    expect(create?.call.flags).toEqual(
      expect.arrayContaining([
        ["database", "(default)"],
        ["location", "europe-west1"],
        ["type", "firestore-native"],
        ["project", PROJECT],
      ]),
    );
    expect(create?.unless?.path).toEqual(["firestore", "databases", "describe"]);
    expect(flag(create?.unless, "database")).toBe("(default)");
    expect(stepIndex(plan, "firestore databases create")).toBeLessThan(stepIndex(plan, "run deploy"));
  });

  it("puts the database in --firestore-location when given, and refuses a location of another form", () => {
    const plan = deployPlan(descriptors, { ...BASE, firestoreLocation: "eur3" });
    expect(flag(calls(plan, "firestore databases create")[0], "location")).toBe("eur3");
    expect(() => deployPlan(descriptors, { ...BASE, firestoreLocation: "eur3;rm -rf" })).toThrow(
      DeployPlanError,
    );
  });

  it("uses the database and project the services are given (LEDGER_DATABASE, LEDGER_PROJECT)", () => {
    const plan = deployPlan(descriptors, {
      ...BASE,
      only: ["pod-killer"],
      env: { "pod-killer": { LEDGER_DATABASE: "riposte-ledger", LEDGER_PROJECT: "acme-ledger" } },
    });
    const create = calls(plan, "firestore databases create")[0];
    expect(flag(create, "database")).toBe("riposte-ledger");
    expect(flag(create, "project")).toBe("acme-ledger");
    const ttl = calls(plan, "firestore fields ttls update");
    expect(ttl.every((call) => flag(call, "database") === "riposte-ledger")).toBe(true);
    const grant = calls(plan, "projects add-iam-policy-binding").find(
      (call) => flag(call, "role") === "roles/datastore.user",
    );
    expect(grant?.positionals).toEqual(["acme-ledger"]);
  });

  it("grants roles/datastore.user on the project to each ledger user, and to no one else", () => {
    const plan = deployPlan(descriptors, BASE);
    const members = calls(plan, "projects add-iam-policy-binding")
      .filter((call) => flag(call, "role") === "roles/datastore.user")
      .map((call) => {
        expect(call.positionals).toEqual([PROJECT]);
        return flag(call, "member");
      });
    expect(members.sort()).toEqual(
      descriptors
        .filter(usesLedger)
        .map((service) => `serviceAccount:riposte-${service.name}@${PROJECT}.iam.gserviceaccount.com`)
        .sort(),
    );
  });

  it("creates the TTL policy on expireAt for every collection group the ledger writes", () => {
    const plan = deployPlan(descriptors, BASE);
    const ttl = calls(plan, "firestore fields ttls update");
    expect(ttl.map((call) => call.positionals)).toEqual(LEDGER_COLLECTION_GROUPS.map(() => ["expireAt"]));
    expect(ttl.map((call) => flag(call, "collection-group"))).toEqual([...LEDGER_COLLECTION_GROUPS]);
    for (const call of ttl) {
      expect(call.flags).toEqual(expect.arrayContaining([["enable-ttl"], ["database", "(default)"]]));
    }
  });

  it("lists exactly the collections packages/ledger writes (read from its source, so a new one is not missed)", () => {
    const dir = join(repoRoot(), "packages", "ledger", "src");
    const source = readdirSync(dir)
      .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
      .map((file) => readFileSync(join(dir, file), "utf8"))
      .join("\n");
    const constants = new Map(
      [...source.matchAll(/export const ([A-Z_]+) = "([^"]+)";/g)].map((m) => [m[1], m[2]] as const),
    );
    const written = new Set(
      [...source.matchAll(/\.collection\(([A-Z_]+)\)/g)].map((m) => constants.get(m[1] as string)),
    );
    expect(written.has(undefined)).toBe(false);
    expect([...written].sort()).toEqual([...LEDGER_COLLECTION_GROUPS].sort());
  });

  it("calls the notifier's scheduled endpoint from Cloud Scheduler with the push account's OIDC token", () => {
    const plan = deployPlan(descriptors, BASE);
    const jobs = commandsOf(plan, "scheduler jobs create http").filter((job) =>
      String(job.call.positionals[0]).startsWith("riposte-notifier-"),
    );
    const notifierCalls = scheduledCallsOf(descriptors).filter((call) => call.service === "notifier");
    expect(notifierCalls.length).toBeGreaterThan(0);
    expect(jobs).toHaveLength(notifierCalls.length);
    const url = planVariable("NOTIFIER_URL");
    const [job] = jobs;
    expect(job?.call.flags).toEqual(
      expect.arrayContaining([
        ["location", "europe-west1"],
        ["schedule", "* * * * *"],
        ["uri", `${url}/scheduled/close-windows`],
        ["http-method", "POST"],
        ["oidc-service-account-email", `riposte-pubsub-push@${PROJECT}.iam.gserviceaccount.com`],
        // Cloud Run checks the audience against the service URL, as for the push subscriptions.
        ["oidc-token-audience", url],
        ["project", PROJECT],
      ]),
    );
    expect(job?.unless?.path).toEqual(["scheduler", "jobs", "describe"]);
    expect(job?.unless?.positionals).toEqual(job?.call.positionals);
    // The URL exists once the notifier is deployed, and the push account may invoke it after the invoker step.
    expect(stepIndex(plan, "scheduler jobs create http")).toBeGreaterThan(
      stepIndex(plan, "run services add-iam-policy-binding"),
    );
  });

  it("updates a job that already exists to the plan's flags: create when missing, then update, on every run", () => {
    const plan = deployPlan(descriptors, BASE);
    const creates = commandsOf(plan, "scheduler jobs create http");
    const updates = commandsOf(plan, "scheduler jobs update http");
    expect(updates).toHaveLength(creates.length);
    const step = plan.steps.find((candidate) =>
      candidate.commands.some((command) => command.call === creates[0]?.call),
    );
    creates.forEach((create, index) => {
      const update = updates[index];
      // The same job, the same schedule, URL and token: a job made by an older plan (another cron,
      // another URL) ends up as this plan says.
      expect(update?.call.positionals).toEqual(create.call.positionals);
      expect(update?.call.flags).toEqual(create.call.flags);
      expect(update?.unless).toBeUndefined();
      const at = step?.commands.indexOf(create) ?? -1;
      expect(step?.commands[at + 1]).toBe(update);
    });
  });

  it("--apply twice: the first run creates the job, the second updates it with the same flags", async () => {
    const plan = deployPlan(descriptors, {
      ...BASE,
      only: ["notifier"],
      secrets: { notifier: { SLACK_WEBHOOK_URL: { secret: "riposte-slack-webhook", version: "latest" } } },
    });
    const jobs = new Set<string>();
    const runs: string[][][] = [];
    const runner: CommandRunner = {
      run: async (argv) => {
        runs.at(-1)?.push([...argv]);
        const [, group, , verb, kind, name] = argv;
        if (group === "scheduler") {
          if (verb === "describe") return { code: jobs.has(kind as string) ? 0 : 1, stdout: "" };
          if (verb === "create") {
            if (jobs.has(name as string)) return { code: 1, stdout: "" }; // ALREADY_EXISTS
            jobs.add(name as string);
          }
          if (verb === "update" && !jobs.has(name as string)) return { code: 1, stdout: "" }; // NOT_FOUND
        }
        return { code: 0, stdout: argv.includes("describe") ? "https://notifier-xyz.a.run.app" : "" };
      },
    };
    const scheduler = (run: string[][]) =>
      run.filter((argv) => argv[1] === "scheduler").map((argv) => argv.slice(0, 5).join(" "));
    runs.push([]);
    await applyPlan(plan, runner, () => {});
    runs.push([]);
    await applyPlan(plan, runner, () => {});
    const [first = [], second = []] = runs;
    expect(scheduler(first)).toEqual([
      "gcloud scheduler jobs describe riposte-notifier-scheduled-close-windows",
      "gcloud scheduler jobs create http",
      "gcloud scheduler jobs update http",
    ]);
    expect(scheduler(second)).toEqual([
      "gcloud scheduler jobs describe riposte-notifier-scheduled-close-windows",
      "gcloud scheduler jobs update http",
    ]);
    const updateOf = (run: string[][]) => run.find((argv) => argv[1] === "scheduler" && argv[3] === "update");
    expect(updateOf(second)).toEqual(updateOf(first));
    expect(updateOf(second)).toContain("--uri=https://notifier-xyz.a.run.app/scheduled/close-windows");
  });

  it("schedules every scheduled route the services define, on the schedule they state (read from their source)", () => {
    const defined = readdirSync(join(repoRoot(), "services")).flatMap((service) => {
      const dir = join(repoRoot(), "services", service, "src");
      return readdirSync(dir)
        .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
        .flatMap((file) => {
          const source = readFileSync(join(dir, file), "utf8");
          const cron = /cron: "([^"]+)"/.exec(source)?.[1];
          return [...source.matchAll(/export const [A-Z_]+ = "(\/scheduled\/[^"]+)";/g)].map((m) => ({
            service,
            path: m[1],
            cron,
          }));
        });
    });
    expect(defined.length).toBeGreaterThan(0);
    expect(scheduledCallsOf(descriptors).map(({ service, path, cron }) => ({ service, path, cron }))).toEqual(
      defined,
    );
  });

  it("asks the preflight for the permissions the ledger and the scheduler need", () => {
    const permissions = deployPlan(descriptors, BASE).preflight.projectPermissions.map(
      (entry) => entry.permission,
    );
    expect(permissions).toEqual(
      expect.arrayContaining([
        "datastore.databases.create",
        "datastore.indexes.update",
        "resourcemanager.projects.setIamPolicy",
        "cloudscheduler.jobs.create",
      ]),
    );
    const noLedgerOnly = withoutLedgerPlan().preflight.projectPermissions;
    expect(noLedgerOnly.map((entry) => entry.permission)).not.toContain("datastore.databases.create");
    expect(noLedgerOnly.map((entry) => entry.permission)).not.toContain("cloudscheduler.jobs.create");
  });
});

describe("riposte deploy plan --firestore-location", () => {
  const run = async (extra: string[]) => {
    const out: string[] = [];
    const deploy = createDeployCommand({
      loadDescriptors: async () => descriptors,
      runner: { run: async () => ({ code: 0, stdout: "" }) },
      isInteractive: () => false,
      confirm: async () => false,
      out: (text) => out.push(text),
    });
    const args = ["plan", "--project", PROJECT, "--region", "europe-west1", "--service", "pod-killer"];
    const code = await deploy.run([...args, ...extra]);
    return { code, script: out.join("") };
  };

  it("creates the database there, and in --region without it", async () => {
    expect((await run(["--firestore-location", "nam5"])).script).toContain("--location=nam5");
    expect((await run([])).script).toMatch(/firestore databases create[^#]*--location=europe-west1/);
  });

  it("refuses a value that is not a location, naming the flag", async () => {
    await expect(run(["--firestore-location", "nam5 --type=datastore-mode"])).rejects.toThrow(
      /--firestore-location "nam5 --type=datastore-mode": expected a Firestore location/,
    );
  });
});
