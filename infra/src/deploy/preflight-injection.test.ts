// Hostile values given to `riposte deploy plan` never become shell in the generated script (from an
// adversarial review): the flags that name Google Cloud things are refused unless they have that
// thing's form (by the CLI and by deployPlan), free-text --env values are deployed exactly as given
// (a literal `${HOME}` is neither expanded by bash nor read as a plan variable by --apply), and the
// renderer quotes every value besides. Also: a --secret that does not exist stops the preflight.
// Scripts are checked with `bash -n`, then run against a fake gcloud/curl that records every call.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: literal ${NAME} in values is what is tested.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceDescriptor } from "@riposte/service-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../cli/command.js";
import { createDeployCommand } from "../cli/deploy.js";
import { loadServices } from "../services.js";
import { type DeployOptions, DeployPlanError, deployPlan } from "./plan.js";
import { renderPlan } from "./shell.js";

let descriptors: ServiceDescriptor[];
beforeAll(async () => {
  descriptors = (await loadServices()).map((service) => service.descriptor);
});

// FAKE_PROJECT_FAILS: `projects describe` fails (the "not reachable" branch). FAKE_SECRET_MISSING: no
// secret version exists. FAKE_CLUSTER: what `container clusters describe` prints.
const FAKE_GCLOUD = `#!/usr/bin/env bash
printf '%s\\n' "gcloud $*" >> "$CALLS"
case "$*" in
  "auth list"*) echo "ops@acme.example" ;;
  "auth print-access-token"*) echo "ya29.fake" ;;
  "projects describe"*) [ -n "\${FAKE_PROJECT_FAILS:-}" ] && exit 1; echo "123456789" ;;
  "services list"*) echo "run.googleapis.com" ;;
  "container clusters describe"*) echo "\${FAKE_CLUSTER:-False|False|}" ;;
  "compute networks subnets describe"*) exit 1 ;;
  "secrets versions describe"*) [ -n "\${FAKE_SECRET_MISSING:-}" ] && exit 1; echo "1" ;;
  "run services describe"*) echo "https://$4-xyz.a.run.app" ;;
  "firestore databases describe"*) exit 1 ;; # the ledger's database does not exist yet
  "storage buckets describe"*) exit 1 ;; # nor the evidence bucket
esac
exit 0
`;
// FAKE_GRANT_ALL: testIamPermissions grants all it is asked; else nothing (every failure message runs).
const FAKE_CURL = `#!/usr/bin/env bash
printf '%s\\n' "curl $*" >> "$CALLS"
while [ $# -gt 0 ]; do [ "$1" = --data ] && { shift; data="$1"; }; shift; done
if [ -n "\${FAKE_GRANT_ALL:-}" ]; then printf '%s' "$data"; else echo '{}'; fi
`;
const FAKE_OTHER = (name: string) => `#!/usr/bin/env bash\nprintf '%s\\n' "${name} $*" >> "$CALLS"\n`;

async function planScript(args: string[]): Promise<string> {
  let text = "";
  const command = createDeployCommand({
    loadDescriptors: async () => descriptors,
    runner: { run: async () => ({ code: 0, stdout: "" }) },
    isInteractive: () => false,
    confirm: async () => false,
    out: (t) => {
      text += `${t}\n`;
    },
  });
  await command.run(["plan", ...args]);
  return text;
}

/** The files an injected command would create. */
const INJECTED_FILES = ["pwned", "pwned2", "pwned3"];

function runScript(script: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "riposte-preflight-injection-"));
  const bin = join(dir, "bin");
  execFileSync("mkdir", [bin]);
  const fakes = { gcloud: FAKE_GCLOUD, curl: FAKE_CURL, npm: FAKE_OTHER("npm"), npx: FAKE_OTHER("npx") };
  for (const [name, text] of Object.entries({ ...fakes, kubectl: FAKE_OTHER("kubectl") })) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
  const calls = join(dir, "calls.txt");
  writeFileSync(calls, "");
  writeFileSync(join(dir, "deploy.sh"), script);
  const syntax = spawnSync("bash", ["-n", join(dir, "deploy.sh")], { encoding: "utf8" });
  const result = spawnSync("bash", [join(dir, "deploy.sh")], {
    cwd: dir,
    encoding: "utf8",
    env: { PATH: `${bin}:${process.env.PATH}`, CALLS: calls, RIPOSTE_IAM_RETRY_DELAY: "0", ...env },
    timeout: 60_000,
  });
  const injected = INJECTED_FILES.filter((file) => existsSync(join(dir, file)));
  return { ...result, syntax, injected, calls: readFileSync(calls, "utf8").split("\n").filter(Boolean) };
}

const BASE = [
  "--region",
  "europe-west1",
  "--cluster",
  "prod-eu",
  "--organization",
  "123456789012",
  "--secret",
  "notifier:SLACK_WEBHOOK_URL=riposte-slack-webhook",
  "--env",
  "scc-exporter:SCC_SOURCE_NAME=organizations/123456789012/sources/987",
  "--env",
  "console:SLACK_TEAM_ID=T0ACME",
  "--console-domain",
  "riposte.acme.com",
  "--console-users",
  "group:sre@acme.com",
];
const withoutFlag = (args: readonly string[], flag: string) => {
  const at = args.indexOf(flag);
  return at < 0 ? [...args] : [...args.slice(0, at), ...args.slice(at + 2)];
};
const HOSTILE = [
  "a\ntouch pwned #",
  "x'$(touch pwned2)'\"$(touch pwned3)\"`touch pwned`",
  "${PATH}$(touch pwned)\\\n'",
];

// A call that changes something (curl only asks testIamPermissions).
const CHANGES = /^(?!curl ).*\b(create|enable|deploy|add-iam-policy-binding|apply|update)\b|^npm run build/;

describe("the preflight checks each --secret", () => {
  it("fails naming a secret version that does not exist, before anything is created", async () => {
    const script = await planScript(["--project", "acme-prod", ...BASE]);
    const run = runScript(script, { FAKE_GRANT_ALL: "1", FAKE_SECRET_MISSING: "1" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(
      "preflight: notifier: SLACK_WEBHOOK_URL: secret riposte-slack-webhook (version latest) not found in project acme-prod",
    );
    expect(run.calls).toContain(
      "gcloud secrets versions describe latest --secret=riposte-slack-webhook --project=acme-prod --format=value(name)",
    );
    expect(run.calls.filter((call) => CHANGES.test(call))).toEqual([]);
  });

  it("passes when it exists", async () => {
    const script = await planScript(["--project", "acme-prod", ...BASE]);
    const run = runScript(script, { FAKE_GRANT_ALL: "1" });
    expect(run.stderr).not.toMatch(/preflight/);
    expect(run.status).toBe(0);
  });
});

describe("a literal ${NAME} in an --env value is text, not a plan variable", () => {
  it("--apply deploys it as given instead of stopping after the first creations", async () => {
    const ran: string[][] = [];
    const command = createDeployCommand({
      loadDescriptors: async () => descriptors,
      runner: {
        run: async (argv: readonly string[]) => {
          ran.push([...argv]);
          // Nothing exists yet; every read the plan captures (a URL, the project number, the console's
          // backend service id and address) answers something.
          const read = argv.some((a) => /^--format=value\((status|projectNumber|id|address)\b/.test(a));
          const missing = argv.includes("describe") && !read;
          return { code: missing ? 1 : 0, stdout: "v" };
        },
      },
      isInteractive: () => false,
      confirm: async () => false,
      out: () => {},
    });
    let failure: unknown;
    try {
      await command.run([
        "plan",
        "--project",
        "acme-prod",
        ...BASE,
        "--env",
        "notifier:FOLLOW_UP_QUIET=${HOME}",
        "--apply",
        "--yes",
      ]);
    } catch (error) {
      failure = error;
    }
    const created = ran.filter((argv) => argv.includes("create")).length;
    expect(String(failure ?? "none"), `after ${created} creating calls`).toBe("none");
    const deploy = ran.find((argv) => argv.join(" ").startsWith("gcloud run deploy notifier"));
    expect(deploy?.join(" ")).toContain("FOLLOW_UP_QUIET=${HOME}");
  });

  it("the script deploys it as given: bash neither expands it nor aborts on an unset name", async () => {
    const script = await planScript([
      "--project",
      "acme-prod",
      ...BASE,
      "--env",
      "notifier:FOLLOW_UP_QUIET=${HOME}:${RIPOSTE_NOT_SET}",
    ]);
    const run = runScript(script, { HOME: "/home/operator", FAKE_GRANT_ALL: "1" });
    expect(run.stderr).not.toContain("unbound variable");
    expect(run.status).toBe(0);
    const deploy = run.calls.find((call) => call.startsWith("gcloud run deploy notifier"));
    expect(deploy).toContain("FOLLOW_UP_QUIET=${HOME}:${RIPOSTE_NOT_SET}");
  });
});

describe("hostile --env values (free text) are deployed as given and never run", () => {
  for (const value of HOSTILE) {
    it(JSON.stringify(value), async () => {
      for (const key of ["notifier:FOLLOW_UP_QUIET", "router:CLUSTER_FIELD"]) {
        const script = await planScript(["--project", "acme-prod", ...BASE, "--env", `${key}=${value}`]);
        // The preflight passes: the whole script runs, the deploy command included.
        const run = runScript(script, { FAKE_GRANT_ALL: "1" });
        expect(run.syntax.status, `bash -n: ${run.syntax.stderr}`).toBe(0);
        expect(run.injected, `${key}\n${run.stderr}`).toEqual([]);
        expect(run.status, run.stderr).toBe(0);
        const [service = ""] = key.split(":");
        expect(run.calls.some((call) => call.startsWith(`gcloud run deploy ${service}`))).toBe(true);
      }
    });
  }
});

describe("flags naming Google Cloud things are refused unless they have that thing's form", () => {
  const cases: { flag: string; args: (value: string) => string[]; expected: RegExp }[] = [
    {
      flag: "--project",
      args: (value) => ["--project", `acme-prod${value}`, ...BASE],
      expected: /--project .*expected a project id/,
    },
    {
      flag: "--region",
      args: (value) => ["--project", "acme-prod", "--region", `europe-west1${value}`, ...BASE.slice(2)],
      expected: /--region .*expected a region or zone/,
    },
    {
      flag: "--organization",
      args: (value) => [
        "--project",
        "acme-prod",
        ...withoutFlag(BASE, "--organization"),
        "--organization",
        `1${value}`,
      ],
      expected: /--organization .*expected a numeric organization id/,
    },
    {
      flag: "--network",
      args: (value) => ["--project", "acme-prod", ...BASE, "--network", `vpc${value}`, "--subnet", "sub"],
      expected: /--network .*expected a network name/,
    },
    {
      flag: "--subnet",
      args: (value) => ["--project", "acme-prod", ...BASE, "--network", "vpc", "--subnet", `sub${value}`],
      expected: /--subnet .*expected a subnet name/,
    },
  ];
  for (const { flag, args, expected } of cases) {
    for (const value of HOSTILE) {
      it(`${flag} ${JSON.stringify(value)}: refused by the CLI, naming the flag and the form`, async () => {
        const refused = planScript(args(value));
        await expect(refused).rejects.toBeInstanceOf(UsageError);
        await expect(refused).rejects.toThrow(expected);
      });
    }
  }

  const VALID: DeployOptions = {
    project: "acme-prod",
    region: "europe-west1",
    clusters: [{ name: "prod-eu", location: "europe-west1" }],
    organization: "123456789012",
    env: {
      "scc-exporter": { SCC_SOURCE_NAME: "organizations/123456789012/sources/987" },
      // The Slack workspace whose members may click (the console refuses to start without it).
      console: { SLACK_TEAM_ID: "T0ACME" },
    },
  };
  const hostileOptions: [string, Partial<DeployOptions>][] = [
    ["--project", { project: "acme-prod\ntouch pwned #" }],
    ["--region", { region: "europe-west1$(touch pwned)" }],
    ["--organization", { organization: "1`touch pwned`" }],
    ["--network", { vpc: { network: "vpc'$(touch pwned)'", subnet: "sub" } }],
    ["--subnet", { vpc: { network: "vpc", subnet: "sub\ntouch pwned" } }],
    ["--cluster", { clusters: [{ name: "prod\ntouch pwned", location: "europe-west1" }] }],
    ["--cluster prod-eu: location", { clusters: [{ name: "prod-eu", location: "eu$(touch pwned)" }] }],
    ["--secret", { secrets: { notifier: { SLACK_WEBHOOK_URL: { secret: "s$(x)", version: "latest" } } } }],
    ["--env", { env: { notifier: { FOLLOW_UP_QUIET: "forged \u0000 mark" } } }],
  ];
  for (const [flag, given] of hostileOptions) {
    it(`deployPlan refuses a hostile ${flag} too (not only the CLI)`, () => {
      expect(() => deployPlan(descriptors, { ...VALID, ...given })).toThrow(DeployPlanError);
      expect(() => deployPlan(descriptors, { ...VALID, ...given })).toThrow(`${flag} `);
    });
  }

  it("refuses a legacy domain-scoped project, saying why (its service account emails have another form)", () => {
    expect(() => deployPlan(descriptors, { ...VALID, project: "example.com:acme-prod" })).toThrow(
      /--project "example.com:acme-prod": domain-scoped projects are not supported/,
    );
  });

  it("accepts the forms Google Cloud uses: zones, network and subnet paths in a host project", () => {
    expect(() =>
      deployPlan(descriptors, {
        ...VALID,
        region: "us-central1",
        clusters: [{ name: "prod-us", location: "us-central1-a" }],
        vpc: {
          network: "projects/host-project/global/networks/shared",
          subnet: "projects/host-project/regions/us-central1/subnetworks/riposte-egress",
        },
      }),
    ).not.toThrow();
  });
});

describe("the renderer quotes values even when they were not checked (defence in depth)", () => {
  it("hostile text in the header, notes, TODOs and preflight messages stays text", () => {
    const plan = deployPlan(descriptors, {
      project: "acme-prod",
      region: "europe-west1",
      clusters: [{ name: "prod-eu", location: "europe-west1" }],
      vpc: { network: "vpc", subnet: "sub" },
    });
    const [hostile = ""] = HOSTILE;
    const evil = `${hostile}${HOSTILE[1]}`;
    // As if a value had slipped past the checks: every place user text reaches the script.
    const unchecked = {
      ...plan,
      project: evil,
      region: evil,
      notes: [evil],
      todos: [{ service: evil, variable: evil, hint: evil }],
      preflight: {
        ...plan.preflight,
        project: evil,
        region: evil,
        missing: [{ variable: evil, hint: evil }],
        organization: { id: evil, permissions: plan.preflight.projectPermissions },
        clusters: [{ name: evil, location: evil }],
        vpc: { network: evil, subnet: evil },
        secrets: [{ service: evil, variable: evil, secret: evil, version: evil }],
        files: [{ path: evil, sha256: evil }],
      },
    };
    // Each branch whose message names a value: every cluster answer, an unreachable project, no secret.
    const branches = [
      ...["True|True|10.0.0.0/28", "True|False|", "False|True|", "False|False|"].map((answer) => ({
        FAKE_CLUSTER: answer,
        FAKE_SECRET_MISSING: "1",
      })),
      { FAKE_PROJECT_FAILS: "1" },
    ];
    for (const env of branches) {
      const run = runScript(renderPlan(unchecked, `riposte deploy plan --project ${evil}`), env);
      expect(run.syntax.status, `bash -n: ${run.syntax.stderr}`).toBe(0);
      expect(run.injected, run.stderr).toEqual([]);
      expect(run.stderr).toContain("preflight failed: nothing was created or changed");
    }
  });
});
