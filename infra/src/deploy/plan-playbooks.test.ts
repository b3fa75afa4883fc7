// `riposte deploy plan --playbooks FILE`: the team's playbooks go out with the deploy — validated with
// the router's own loader before anything, stored as a new version of the Secret Manager secret, and
// mounted into the router pinned to that version. Also: a partial plan (--service) refers only to the
// URLs of the services it deploys, and creates every push subscription that goes to one of them.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceDescriptor } from "@riposte/service-kit";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../cli/command.js";
import { createDeployCommand } from "../cli/deploy.js";
import { loadServices } from "../services.js";
import { argvOf, type CliCall, type DeployPlan, planCalls, planVariable } from "./commands.js";
import { flagsInHelp, gcloudHelp } from "./gcloud-help.js";
import { type DeployOptions, DeployPlanError, deployPlan } from "./plan.js";
import { storePlaybooksCommands } from "./playbooks.js";
import { renderPlan } from "./shell.js";

let descriptors: ServiceDescriptor[];
beforeAll(async () => {
  descriptors = (await loadServices()).map((service) => service.descriptor);
}, 60_000);

const PROJECT = "acme-prod";
const FULL: DeployOptions = {
  project: PROJECT,
  region: "europe-west1",
  clusters: [{ name: "prod-eu", location: "europe-west1" }],
  organization: "123456789012",
  env: { "scc-exporter": { SCC_SOURCE_NAME: "organizations/123456789012/sources/987" } },
  secrets: { notifier: { SLACK_WEBHOOK_URL: { secret: "riposte-slack-webhook", version: "latest" } } },
  // The console's load balancer: its host name and who may pass IAP.
  consoleDomain: "riposte.acme.com",
  consoleUsers: ["group:sre@acme.com"],
};
/** The file as the CLI hands it over once validated: its path and the sha256 it had. */
const PLAYBOOKS = { path: "/srv/team/playbooks.yaml", sha256: "0".repeat(64) };
/** The version as the plan refers to it: the variable its store step captures. */
const VERSION = planVariable("PLAYBOOKS_VERSION");
const VALID = `playbooks:
  - name: kill-miners
    match: { rules: "Detect crypto miners*" }
    actions: [kill-pod, notify]
`;
// `match: {}` with a destructive action: the router refuses it at start.
const INVALID = "playbooks:\n  - name: everything\n    match: {}\n    actions: [kill-pod]\n";

const flag = (call: CliCall | undefined, name: string) =>
  call?.flags.find((candidate) => candidate[0] === name)?.[1];
const deployOf = (plan: DeployPlan, service: string) =>
  planCalls(plan).find((call) => call.path.join(" ") === "run deploy" && call.positionals[0] === service);
const stepIndex = (plan: DeployPlan, title: RegExp) => plan.steps.findIndex((step) => title.test(step.title));
const subscriptionsCreated = (plan: DeployPlan) =>
  planCalls(plan).filter((call) => call.path.join(" ") === "pubsub subscriptions create");

describe("deployPlan with playbooks", () => {
  it("stores the file after the accounts and grants, before Cloud Run, and pins the router to that version", () => {
    const plan = deployPlan(descriptors, { ...FULL, playbooks: PLAYBOOKS });
    const store = stepIndex(plan, /playbook/i);
    expect(store).toBeGreaterThan(stepIndex(plan, /^Create the service accounts$/));
    expect(store).toBeGreaterThan(stepIndex(plan, /^Grant each service its roles$/));
    expect(store).toBeLessThan(stepIndex(plan, /^Deploy the services to Cloud Run$/));
    expect(plan.steps[store]?.commands).toEqual(
      storePlaybooksCommands(PLAYBOOKS.path, PROJECT, PLAYBOOKS.sha256),
    );
    expect(plan.steps[store]?.commands.at(-1)?.capture).toBe("PLAYBOOKS_VERSION");

    const router = deployOf(plan, "router");
    expect(flag(router, "set-secrets")).toBe(`/etc/riposte/playbooks.yaml=riposte-playbooks:${VERSION}`);
    expect(flag(router, "set-env-vars")).toContain("PLAYBOOKS_FILE=/etc/riposte/playbooks.yaml");
    expect(flag(router, "set-env-vars")).toContain(`PLAYBOOKS_VERSION=${VERSION}`);
    for (const service of descriptors.filter((d) => d.name !== "router")) {
      expect(flag(deployOf(plan, service.name), "set-env-vars"), service.name).not.toContain("PLAYBOOKS");
      expect(flag(deployOf(plan, service.name), "set-secrets") ?? "", service.name).not.toContain(
        "riposte-playbooks",
      );
    }
  });

  it("enables Secret Manager and checks the caller's secret permissions only with playbooks", () => {
    const routerOnly: DeployOptions = { project: PROJECT, region: "europe-west1", only: ["router"] };
    const permissions = (plan: DeployPlan) =>
      plan.preflight.projectPermissions
        .map((p) => p.permission)
        .filter((p) => p.startsWith("secretmanager."));
    const without = deployPlan(descriptors, routerOnly);
    expect(without.preflight.apis).not.toContain("secretmanager.googleapis.com");
    expect(permissions(without)).toEqual([]);
    const withPlaybooks = deployPlan(descriptors, { ...routerOnly, playbooks: PLAYBOOKS });
    expect(withPlaybooks.preflight.apis).toContain("secretmanager.googleapis.com");
    expect(permissions(withPlaybooks).sort()).toEqual([
      "secretmanager.secrets.create",
      "secretmanager.secrets.setIamPolicy",
      "secretmanager.versions.add",
    ]);
  });

  it("keeps the router's other secrets beside the mounted file, and refuses PLAYBOOKS_* given another way", () => {
    const plan = deployPlan(descriptors, {
      ...FULL,
      only: ["router"],
      secrets: { router: { CLUSTER_FIELD: { secret: "riposte-cluster-field", version: "3" } } },
      playbooks: PLAYBOOKS,
    });
    expect(flag(deployOf(plan, "router"), "set-secrets")).toBe(
      `CLUSTER_FIELD=riposte-cluster-field:3,/etc/riposte/playbooks.yaml=riposte-playbooks:${VERSION}`,
    );
    for (const given of [
      { env: { router: { PLAYBOOKS_FILE: "/elsewhere.yaml" } } },
      { secrets: { router: { PLAYBOOKS_VERSION: { secret: "s", version: "1" } } } },
    ])
      expect(() => deployPlan(descriptors, { ...FULL, ...given, playbooks: PLAYBOOKS })).toThrow(
        /--playbooks sets the router's PLAYBOOKS_(FILE|VERSION)/,
      );
  });

  it("is refused when the router is not deployed", () => {
    expect(() => deployPlan(descriptors, { ...FULL, only: ["pod-killer"], playbooks: PLAYBOOKS })).toThrow(
      DeployPlanError,
    );
    expect(() => deployPlan(descriptors, { ...FULL, only: ["pod-killer"], playbooks: PLAYBOOKS })).toThrow(
      /--playbooks.*router/,
    );
  });

  it("renders a script bash accepts, whose router deploy gets the version the store step printed", () => {
    const file = join(mkdtempSync(join(tmpdir(), "riposte-plan-playbooks-")), "playbooks.yaml");
    writeFileSync(file, VALID);
    const playbooks = { path: file, sha256: createHash("sha256").update(VALID).digest("hex") };
    const plan = deployPlan(descriptors, { ...FULL, only: ["router"], playbooks });
    const script = renderPlan(plan, "riposte deploy plan (test)");
    const syntax = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
    expect(syntax.stderr).toBe("");
    expect(syntax.status).toBe(0);

    const run = runWithFakes(script);
    expect(run.stderr).not.toMatch(/preflight/);
    expect(run.status).toBe(0);
    const versionsAdd = run.calls.findIndex((line) => line.startsWith("gcloud secrets versions add"));
    const deploy = run.calls.findIndex((line) => line.startsWith("gcloud run deploy router"));
    expect(versionsAdd).toBeGreaterThan(-1);
    expect(deploy).toBeGreaterThan(versionsAdd);
    expect(run.calls[deploy]).toContain("--set-secrets=/etc/riposte/playbooks.yaml=riposte-playbooks:7");
    expect(run.calls[deploy]).toContain("PLAYBOOKS_VERSION=7");
  });
});

describe("the playbooks step against the installed gcloud", () => {
  it("uses only commands and flags that exist", async () => {
    const plan = deployPlan(descriptors, { ...FULL, only: ["router"], playbooks: PLAYBOOKS });
    const store = plan.steps.find((step) => /playbook/i.test(step.title));
    const calls = (store?.commands ?? []).flatMap((c) => (c.unless ? [c.unless, c.call] : [c.call]));
    expect(calls.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const call of calls) {
      const known = flagsInHelp(await gcloudHelp(call.path));
      for (const [name] of call.flags)
        if (!known.has(name)) problems.push(`gcloud ${call.path.join(" ")} --${name}`);
    }
    expect(problems).toEqual([]);
  }, 120_000);
});

// Records every call; answers the read-only ones (and `secrets versions add` with version 7).
const FAKE_GCLOUD = `#!/usr/bin/env bash
printf '%s\\n' "gcloud $*" >> "$CALLS"
case "$*" in
  "auth list"*) echo "ops@acme.example" ;;
  "auth print-access-token"*) echo "ya29.fake" ;;
  "projects describe"*) echo "123456789" ;;
  "services list"*) echo "run.googleapis.com" ;;
  "container clusters describe"*) echo "False|False|" ;;
  "run services describe"*) echo "https://$4-xyz.a.run.app" ;;
  "secrets versions add"*) echo "7" ;;
  *" describe "*) exit 1 ;;
esac
exit 0
`;
// testIamPermissions: the caller holds every permission asked.
const FAKE_CURL = `#!/usr/bin/env bash
while [ $# -gt 0 ]; do [ "$1" = --data ] && { shift; data="$1"; }; shift; done
printf '%s' "$data"
`;
const FAKE_OTHER = (name: string) => `#!/usr/bin/env bash\nprintf '%s\\n' "${name} $*" >> "$CALLS"\n`;

function runWithFakes(script: string) {
  const dir = mkdtempSync(join(tmpdir(), "riposte-plan-playbooks-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  const fakes = { gcloud: FAKE_GCLOUD, curl: FAKE_CURL, npm: FAKE_OTHER("npm"), npx: FAKE_OTHER("npx") };
  for (const [name, text] of Object.entries(fakes)) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
  const calls = join(dir, "calls.txt");
  writeFileSync(calls, "");
  const result = spawnSync("bash", ["-c", script], {
    cwd: dir,
    encoding: "utf8",
    env: { PATH: `${bin}:${process.env.PATH}`, CALLS: calls },
  });
  return { ...result, calls: readFileSync(calls, "utf8").split("\n").filter(Boolean) };
}

describe("riposte deploy plan --playbooks", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "riposte-deploy-playbooks-"));
    writeFileSync(join(dir, "valid.yaml"), VALID);
    writeFileSync(join(dir, "bad.yaml"), INVALID);
  });

  const command = () => {
    const out: string[] = [];
    const ran: string[] = [];
    const deploy = createDeployCommand({
      loadDescriptors: async () => descriptors,
      runner: {
        run: async (argv) => {
          ran.push(argv.join(" "));
          if (argv.join(" ").startsWith("gcloud secrets versions add")) return { code: 0, stdout: "4\n" };
          // Nothing exists yet; every read answers something.
          const check = argv.includes("describe") && !argv.some((a) => a.startsWith("--format=value(status"));
          return {
            code: check && !argv.some((a) => a.startsWith("--format=value(projectNumber")) ? 1 : 0,
            stdout: "v",
          };
        },
      },
      isInteractive: () => false,
      confirm: async () => false,
      out: (text) => out.push(text),
    });
    return { deploy, out, ran };
  };
  const args = ["plan", "--project", PROJECT, "--region", "europe-west1", "--service", "router"];

  it("refuses an invalid file with file:line:column before printing or running anything", async () => {
    for (const extra of [[], ["--apply", "--yes"]]) {
      const { deploy, out, ran } = command();
      const file = join(dir, "bad.yaml");
      const refused = deploy.run([...args, "--playbooks", file, ...extra]);
      await expect(refused).rejects.toBeInstanceOf(UsageError);
      await expect(refused).rejects.toThrow(`${file}:3:12: playbooks[0].match: matches every alert`);
      await expect(refused).rejects.toThrow(/bad\.yaml is invalid: nothing was run/);
      expect(out).toEqual([]);
      expect(ran).toEqual([]);
    }
  });

  it("refuses --playbooks when --service leaves the router out", async () => {
    const { deploy, out, ran } = command();
    const refused = deploy.run([
      ...args.slice(0, -2),
      "--service",
      "pod-killer",
      "--playbooks",
      join(dir, "valid.yaml"),
    ]);
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toThrow(/--playbooks.*router/);
    expect(out).toEqual([]);
    expect(ran).toEqual([]);
  });

  it("--apply stores the file, then deploys the router pinned to the version stored", async () => {
    const { deploy, ran } = command();
    expect(await deploy.run([...args, "--playbooks", join(dir, "valid.yaml"), "--apply", "--yes"])).toBe(0);
    const account = ran.findIndex((line) =>
      line.startsWith("gcloud iam service-accounts create riposte-router"),
    );
    const stored = ran.findIndex((line) => line.startsWith("gcloud secrets versions add riposte-playbooks"));
    const deployed = ran.findIndex((line) => line.startsWith("gcloud run deploy router"));
    expect(account).toBeGreaterThan(-1);
    expect(stored).toBeGreaterThan(account);
    expect(ran[stored]).toContain(`--data-file=${join(dir, "valid.yaml")}`);
    expect(deployed).toBeGreaterThan(stored);
    expect(ran[deployed]).toContain("--set-secrets=/etc/riposte/playbooks.yaml=riposte-playbooks:4");
    expect(ran[deployed]).toContain("PLAYBOOKS_VERSION=4");
  });

  it("names --playbooks in its usage", async () => {
    const { deploy, out } = command();
    expect(await deploy.run(["--help"])).toBe(0);
    expect(out.join("\n")).toMatch(/--playbooks FILE/);
  });
});

describe("a partial plan (--service)", () => {
  /** Every `${NAME}` a command uses was captured by an earlier command. */
  const unboundVariables = (plan: DeployPlan) => {
    const captured = new Set<string>();
    const unbound: string[] = [];
    for (const command of plan.steps.flatMap((step) => step.commands)) {
      const words = [...(command.unless ? argvOf(command.unless) : []), ...argvOf(command.call)];
      for (const word of words)
        for (const match of word.matchAll(/\$\{([A-Z0-9_]+)\}/g))
          if (!captured.has(match[1] as string))
            unbound.push(`${match[1]} in ${argvOf(command.call).join(" ")}`);
      if (command.capture) captured.add(command.capture);
    }
    return unbound;
  };

  it("refers only to the URLs of the services it deploys", () => {
    for (const service of descriptors) {
      const plan = deployPlan(descriptors, { ...FULL, only: [service.name] });
      expect(unboundVariables(plan), service.name).toEqual([]);
    }
    const actioner = deployPlan(descriptors, { ...FULL, only: ["pod-killer"] });
    expect(
      subscriptionsCreated(actioner).filter((call) => flag(call, "push-endpoint")?.includes("NOTIFIER")),
    ).toEqual([]);
  });

  it("deploying the notifier creates its dead-letter announcements (every command's dead-letter topic → /dead-letters)", () => {
    const whole = deployPlan(descriptors, FULL);
    const announcements = (plan: DeployPlan) =>
      subscriptionsCreated(plan)
        .filter((call) => flag(call, "push-endpoint") === `${planVariable("NOTIFIER_URL")}/dead-letters`)
        .map((call) => call.positionals[0]);
    expect(announcements(whole).length).toBeGreaterThan(0);
    const notifier = deployPlan(descriptors, { ...FULL, only: ["notifier"] });
    expect(announcements(notifier)).toEqual(announcements(whole));
    // Each announced dead-letter topic is created first (idempotently), whoever deploys its source later.
    const topics = planCalls(notifier)
      .filter((call) => call.path.join(" ") === "pubsub topics create")
      .map((call) => call.positionals[0]);
    for (const call of subscriptionsCreated(notifier).filter((c) =>
      flag(c, "push-endpoint")?.endsWith("/dead-letters"),
    ))
      expect(topics, call.positionals[0]).toContain(flag(call, "topic"));
    expect(unboundVariables(notifier)).toEqual([]);
  });
});
