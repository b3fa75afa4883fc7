// The console's way in (issue 21), derived from a descriptor's `web`, `secretEnv`, `apis` and
// `workspaceAdminRoles`: Identity-Aware Proxy on an external Application Load Balancer with the Slack
// path routed around it, IAP_AUDIENCE from the backend service the plan creates, the Slack credentials
// from Secret Manager only, the Cloud Identity API, the scheduled approvals call. Then the attacks: who
// may open the console is refused unless it is user:/group: exactly, and no credential is ever printed.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_RUNTIME, type ServiceDescriptor } from "@riposte/service-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { UsageError } from "../cli/command.js";
import { createDeployCommand, parseEnvOptions } from "../cli/deploy.js";
import { loadServices } from "../services.js";
import { applyPlan } from "./apply.js";
import { type CliCall, type DeployPlan, planCalls, planVariable } from "./commands.js";
import { type DeployOptions, DeployPlanError, deployPlan } from "./plan.js";
import { renderPlan } from "./shell.js";

/** A console as issue 21 describes it, whatever services/console declares today. */
const consoleLike: ServiceDescriptor = {
  name: "console",
  description: "decides held actions",
  localPortOffset: 9,
  inputs: [],
  scheduled: [{ path: "/scheduled/approvals", cron: "* * * * *", everySeconds: 60 }],
  publishes: ["kill-pod", "action-outcomes"],
  kubernetes: [],
  gcpRoles: [],
  env: z.object({
    IAP_AUDIENCE: z.string().optional(),
    CONSOLE_AUTHENTICATION: z.enum(["iap", "none-local"]).default("iap"),
    SLACK_SIGNING_SECRET: z.string().optional(),
    SLACK_BOT_TOKEN: z.string().optional(),
    SLACK_APPROVERS: z.string().optional(),
    LEDGER_DATABASE: z.string().default("(default)"),
  }),
  runtime: DEFAULT_RUNTIME,
  web: {
    iapAudienceEnv: "IAP_AUDIENCE",
    pinnedEnv: { CONSOLE_AUTHENTICATION: "iap" },
    publicPaths: [{ path: "/slack/*", reason: "Slack's button clicks, checked by their v0 signature" }],
  },
  secretEnv: [
    { env: "SLACK_SIGNING_SECRET", secret: "riposte-slack-signing-secret", reason: "the signing secret" },
    { env: "SLACK_BOT_TOKEN", secret: "riposte-slack-bot-token", reason: "the bot token" },
  ],
  apis: [{ api: "cloudidentity.googleapis.com", reason: "group approvers" }],
  workspaceAdminRoles: [{ role: "Groups Reader", reason: "to check group approvers" }],
};

let all: ServiceDescriptor[];
beforeAll(async () => {
  const loaded = (await loadServices()).map((service) => service.descriptor);
  all = [...loaded.filter((service) => service.name !== "console"), consoleLike];
});

const PROJECT = "acme-prod";
const DOMAIN = "riposte.acme.com";
const USERS = ["user:alice@acme.com", "group:sre@acme.com"];
const CONSOLE: DeployOptions = {
  project: PROJECT,
  region: "europe-west1",
  only: ["console"],
  env: { console: { SLACK_TEAM_ID: "T0ACME" } },
  consoleDomain: DOMAIN,
  consoleUsers: USERS,
};
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
  consoleDomain: DOMAIN,
  consoleUsers: USERS,
};

const calls = (plan: DeployPlan, path: string) =>
  planCalls(plan).filter((call) => call.program === "gcloud" && call.path.join(" ") === path);
const flag = (call: CliCall | undefined, name: string) =>
  call?.flags.find((candidate) => candidate[0] === name)?.[1];
const hasFlag = (call: CliCall | undefined, name: string) =>
  Boolean(call?.flags.some((candidate) => candidate[0] === name));
const deployOf = (plan: DeployPlan, service: string) =>
  calls(plan, "run deploy").find((call) => call.positionals[0] === service);
const consoleAccount = `serviceAccount:riposte-console@${PROJECT}.iam.gserviceaccount.com`;
/** Index of the first plan call matching `test`, in plan order. */
const indexOf = (plan: DeployPlan, test: (call: CliCall) => boolean) => planCalls(plan).findIndex(test);

describe("the console's deployment", () => {
  it("deploys the console behind the load balancer without Cloud Run's invoker check, the others as before", () => {
    const plan = deployPlan(all, FULL);
    const console = deployOf(plan, "console");
    expect(flag(console, "ingress")).toBe("internal-and-cloud-load-balancing");
    expect(hasFlag(console, "no-invoker-iam-check")).toBe(true);
    // Never an allUsers binding: reachability is the ingress, authentication the service's own.
    expect(hasFlag(console, "no-allow-unauthenticated")).toBe(true);
    expect(hasFlag(console, "allow-unauthenticated")).toBe(false);
    for (const other of plan.services.filter((name) => name !== "console")) {
      expect(flag(deployOf(plan, other), "ingress"), other).toBe("internal");
      expect(hasFlag(deployOf(plan, other), "no-invoker-iam-check"), other).toBe(false);
    }
    expect(
      calls(plan, "run services add-iam-policy-binding").map((call) => flag(call, "member")),
    ).not.toContain("allUsers");
  });

  it("sets IAP_AUDIENCE to the backend service it creates, read before the deploy; pins iap authentication", () => {
    const plan = deployPlan(all, CONSOLE);
    const env = flag(deployOf(plan, "console"), "set-env-vars") ?? "";
    const audience = `IAP_AUDIENCE=/projects/${planVariable("PROJECT_NUMBER")}/global/backendServices/${planVariable("CONSOLE_BACKEND_ID")}`;
    expect(env).toContain(audience);
    expect(env).toContain("CONSOLE_AUTHENTICATION=iap");
    // The scheduled call's token: checked by the console itself, for its public origin.
    expect(env).toContain(`PUSH_AUTH_AUDIENCE=https://${DOMAIN}`);
    expect(env).toContain(`PUSH_AUTH_ALLOWED_EMAILS=riposte-pubsub-push@${PROJECT}.iam.gserviceaccount.com`);
    const captured = planCalls(plan).length;
    const idRead = plan.steps
      .flatMap((step) => step.commands)
      .findIndex((command) => command.capture === "CONSOLE_BACKEND_ID");
    const deployAt = plan.steps
      .flatMap((step) => step.commands)
      .findIndex((command) => command.call.path.join(" ") === "run deploy");
    expect(idRead).toBeGreaterThanOrEqual(0);
    expect(idRead).toBeLessThan(deployAt);
    expect(captured).toBeGreaterThan(0);
    // The script refers to the captured values, in one double-quoted word with the other variables.
    expect(renderPlan(plan, "test")).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${…} in the script, not JS.
      "IAP_AUDIENCE=/projects/${PROJECT_NUMBER}/global/backendServices/${CONSOLE_BACKEND_ID},CONSOLE_AUTHENTICATION=iap",
    );
  });

  it("turns IAP on for the guarded backend service before anything routes to it, never on the Slack one", () => {
    const plan = deployPlan(all, CONSOLE);
    const iapOn = calls(plan, "compute backend-services update").filter(
      (call) => flag(call, "iap") === "enabled",
    );
    expect(iapOn.map((call) => call.positionals[0])).toEqual(["riposte-console"]);
    const enabledAt = indexOf(plan, (call) => flag(call, "iap") === "enabled");
    const firstBackend = indexOf(
      plan,
      (call) => call.path.join(" ") === "compute backend-services add-backend",
    );
    expect(enabledAt).toBeLessThan(firstBackend);
    expect(
      planCalls(plan).some(
        (call) => call.positionals.includes("riposte-console-public") && hasFlag(call, "iap"),
      ),
    ).toBe(false);
  });

  it("routes every path to IAP except /slack/*, on the domain, HTTPS only", () => {
    const plan = deployPlan(all, CONSOLE);
    const map = calls(plan, "compute url-maps create")[0];
    expect(flag(map, "default-service")).toBe("riposte-console");
    const matcher = calls(plan, "compute url-maps add-path-matcher")[0];
    expect(flag(matcher, "default-service")).toBe("riposte-console");
    expect(flag(matcher, "path-rules")).toBe("/slack/*=riposte-console-public");
    expect(flag(matcher, "new-hosts")).toBe(DOMAIN);
    expect(flag(calls(plan, "compute ssl-certificates create")[0], "domains")).toBe(DOMAIN);
    const rule = calls(plan, "compute forwarding-rules create")[0];
    expect(flag(rule, "ports")).toBe("443");
    expect(flag(rule, "load-balancing-scheme")).toBe("EXTERNAL_MANAGED");
    // Both backends reach the console's Cloud Run service through serverless NEGs in its region.
    for (const neg of calls(plan, "compute network-endpoint-groups create")) {
      expect(flag(neg, "cloud-run-service")).toBe("console");
      expect(flag(neg, "region")).toBe("europe-west1");
    }
    expect(calls(plan, "compute network-endpoint-groups create")).toHaveLength(2);
  });

  it("lets the given users and groups through IAP, and IAP's service agent invoke the console", () => {
    const plan = deployPlan(all, CONSOLE);
    const bindings = calls(plan, "iap web add-iam-policy-binding");
    expect(bindings.map((call) => flag(call, "member"))).toEqual(USERS);
    for (const call of bindings) {
      expect(flag(call, "role")).toBe("roles/iap.httpsResourceAccessor");
      expect(flag(call, "resource-type")).toBe("backend-services");
      expect(flag(call, "service")).toBe("riposte-console");
    }
    const agent = `serviceAccount:service-${planVariable("PROJECT_NUMBER")}@gcp-sa-iap.iam.gserviceaccount.com`;
    const invoker = calls(plan, "run services add-iam-policy-binding").find(
      (call) => flag(call, "member") === agent,
    );
    expect(flag(invoker, "role")).toBe("roles/run.invoker");
    expect(calls(plan, "beta services identity create").map((call) => flag(call, "service"))).toEqual([
      "iap.googleapis.com",
    ]);
  });

  it("mounts the Slack credentials from Secret Manager, readable by the console's account on those secrets only", () => {
    const plan = deployPlan(all, CONSOLE);
    expect(flag(deployOf(plan, "console"), "set-secrets")).toBe(
      "SLACK_SIGNING_SECRET=riposte-slack-signing-secret:latest,SLACK_BOT_TOKEN=riposte-slack-bot-token:latest",
    );
    const accessors = planCalls(plan).filter(
      (call) => flag(call, "role") === "roles/secretmanager.secretAccessor",
    );
    expect(accessors.map((call) => [call.path.join(" "), call.positionals[0], flag(call, "member")])).toEqual(
      [
        ["secrets add-iam-policy-binding", "riposte-slack-signing-secret", consoleAccount],
        ["secrets add-iam-policy-binding", "riposte-slack-bot-token", consoleAccount],
      ],
    );
    // The preflight stops unless each has a version, saying how to store it without printing it.
    expect(plan.preflight.secrets.map((secret) => secret.secret)).toEqual([
      "riposte-slack-signing-secret",
      "riposte-slack-bot-token",
    ]);
    const script = renderPlan(plan, "test");
    expect(script).toContain("read -rs value");
    expect(script).toContain("gcloud secrets versions add riposte-slack-signing-secret --data-file=-");
    // --secret names another secret or version; the grant follows it.
    const other = deployPlan(all, {
      ...CONSOLE,
      secrets: { console: { SLACK_BOT_TOKEN: { secret: "team-bot", version: "3" } } },
    });
    expect(flag(deployOf(other, "console"), "set-secrets")).toContain("SLACK_BOT_TOKEN=team-bot:3");
    expect(calls(other, "secrets add-iam-policy-binding").map((call) => call.positionals[0])).toContain(
      "team-bot",
    );
  });

  it("enables IAP, Compute, Secret Manager and Cloud Identity, and asks for the permissions the front needs", () => {
    const plan = deployPlan(all, CONSOLE);
    expect(plan.preflight.apis).toEqual(
      expect.arrayContaining([
        "iap.googleapis.com",
        "compute.googleapis.com",
        "secretmanager.googleapis.com",
        "cloudidentity.googleapis.com",
      ]),
    );
    expect(new Set(plan.preflight.apis).size).toBe(plan.preflight.apis.length);
    const permissions = plan.preflight.projectPermissions.map((entry) => entry.permission);
    expect(permissions).toEqual(
      expect.arrayContaining([
        "compute.backendServices.create",
        "compute.globalForwardingRules.create",
        "iap.webServices.setIamPolicy",
        "secretmanager.secrets.setIamPolicy",
      ]),
    );
  });

  it("schedules /scheduled/approvals on the run.app URL (internal), its token for the console's origin", () => {
    const plan = deployPlan(all, CONSOLE);
    const job = calls(plan, "scheduler jobs create http").find((call) =>
      call.positionals[0]?.includes("approvals"),
    );
    expect(flag(job, "uri")).toBe(`${planVariable("CONSOLE_URL")}/scheduled/approvals`);
    expect(flag(job, "oidc-token-audience")).toBe(`https://${DOMAIN}`);
    expect(flag(job, "oidc-service-account-email")).toBe(
      `riposte-pubsub-push@${PROJECT}.iam.gserviceaccount.com`,
    );
  });

  it("names what only people can do: the DNS record, the Groups Reader role, the Slack path", () => {
    const notes = deployPlan(all, CONSOLE).notes.join("\n");
    expect(notes).toContain(`${DOMAIN}: point its DNS A record`);
    expect(notes).toContain(`Groups Reader admin role to riposte-console@${PROJECT}.iam.gserviceaccount.com`);
    expect(notes).toContain(`https://${DOMAIN}/slack/* is outside IAP`);
  });

  it("without --console-users or --console-domain, stops at preflight naming each flag", () => {
    const { consoleUsers: _u, consoleDomain: _d, ...partial } = CONSOLE;
    const plan = deployPlan(all, partial);
    expect(plan.todos.map((todo) => todo.variable)).toEqual(["CONSOLE_DOMAIN", "CONSOLE_USERS"]);
    const run = runScript(renderPlan(plan, "test"));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("--console-users user:EMAIL,group:EMAIL");
    expect(run.stderr).toContain("--console-domain HOST");
    expect(run.calls.filter((call) => CHANGES.test(call))).toEqual([]);
  });

  it("the script runs to the end, skipping an attached backend and an existing path matcher on a re-run", () => {
    const script = renderPlan(deployPlan(all, CONSOLE), "test");
    const first = runScript(script);
    expect(first.stderr).not.toContain("preflight:");
    expect(first.status, first.stderr).toBe(0);
    expect(
      first.calls.filter((call) => call.startsWith("gcloud compute backend-services add-backend")),
    ).toHaveLength(2);
    expect(
      first.calls.filter((call) => call.startsWith("gcloud compute url-maps add-path-matcher")),
    ).toHaveLength(1);
    const deploy = first.calls.find((call) => call.startsWith("gcloud run deploy console"));
    expect(deploy).toContain("IAP_AUDIENCE=/projects/123456789/global/backendServices/4242");
    const again = runScript(script, { FAKE_ATTACHED: "1" });
    expect(again.status, again.stderr).toBe(0);
    expect(again.calls.filter((call) => /add-backend|add-path-matcher/.test(call))).toEqual([]);
  });

  it("--apply skips add-backend only when the backend service lists one", async () => {
    const plan = deployPlan(all, CONSOLE);
    for (const attached of [false, true]) {
      const ran: string[] = [];
      await applyPlan(
        { ...plan, preflight: { ...plan.preflight } },
        {
          run: async (argv, options) => {
            if (argv[0] === "bash") return { code: 0, stdout: "" };
            ran.push(argv.join(" "));
            const words = argv.join(" ");
            if (words.includes("value(backends[].group)") || words.includes("value(pathMatchers[].name)")) {
              return { code: 0, stdout: attached ? "https://compute/neg\n" : "\n" };
            }
            if (words.includes("describe") && !options.capture) return { code: 1, stdout: "" };
            return { code: 0, stdout: words.includes("value(id)") ? "4242" : "123456789" };
          },
        },
        () => {},
      );
      const added = ran.filter((call) => call.includes("add-backend"));
      expect(added.length, `attached=${attached}`).toBe(attached ? 0 : 2);
      expect(ran.find((call) => call.startsWith("gcloud run deploy console"))).toContain(
        "IAP_AUDIENCE=/projects/123456789/global/backendServices/4242",
      );
    }
  });
});

describe("the console as services/console declares it", () => {
  let real: ServiceDescriptor[];
  beforeAll(async () => {
    real = (await loadServices()).map((service) => service.descriptor);
  });

  it("is planned behind IAP with its credentials from Secret Manager and its origin set", () => {
    const plan = deployPlan(real, CONSOLE);
    expect(plan.todos).toEqual([]);
    const console = deployOf(plan, "console");
    expect(flag(console, "ingress")).toBe("internal-and-cloud-load-balancing");
    expect(flag(console, "set-env-vars")).toContain(`CONSOLE_ORIGINS=https://${DOMAIN}`);
    expect(flag(console, "set-env-vars")).toContain("CONSOLE_AUTHENTICATION=iap");
    expect(flag(console, "set-secrets")?.split(",").sort()).toEqual([
      "CONSOLE_FORM_SECRET=riposte-console-form-secret:latest",
      "SLACK_BOT_TOKEN=riposte-slack-bot-token:latest",
      "SLACK_SIGNING_SECRET=riposte-slack-signing-secret:latest",
    ]);
    expect(flag(calls(plan, "compute url-maps add-path-matcher")[0], "path-rules")).toBe(
      "/slack/*=riposte-console-public",
    );
    expect(plan.preflight.apis).toContain("cloudidentity.googleapis.com");
    expect(plan.notes.join("\n")).toContain("Groups Reader");
  });

  it("needs the Slack workspace's team id (the console would not start without it): a TODO, then deployed as given", () => {
    const { env: _none, ...without } = CONSOLE;
    const plan = deployPlan(real, without);
    expect(plan.todos.map((todo) => `${todo.service}:${todo.variable}`)).toEqual(["console:SLACK_TEAM_ID"]);
    expect(flag(deployOf(deployPlan(real, CONSOLE), "console"), "set-env-vars")).toContain(
      "SLACK_TEAM_ID=T0ACME",
    );
    for (const bad of ["t0acme", "T0ACME$(touch pwned)", "U0ALICE"]) {
      expect(() => parseEnvOptions([`console:SLACK_TEAM_ID=${bad}`], real), bad).toThrow(/SLACK_TEAM_ID/);
    }
  });
});

describe("attacks on the console's deployment", () => {
  const hostileUsers = [
    "allUsers",
    "allAuthenticatedUsers",
    "domain:acme.com",
    "serviceAccount:bot@acme-prod.iam.gserviceaccount.com",
    "user:alice@acme.com\nuser:mallory@evil.com",
    "user:alice@acme.com ",
    " user:alice@acme.com",
    "user:\u212Aate@acme.com", // Kelvin sign: lower-cases to an ASCII k
    "user:\u0430lice@acme.com", // Cyrillic а
    "group:<script>@acme.com",
    "user:$(touch pwned)@acme.com",
    "__proto__",
    `user:${"a".repeat(10_000)}@acme.com`,
    "user:",
    "user:@acme.com",
  ];

  it.each(hostileUsers.map((member) => [JSON.stringify(member.slice(0, 60)), member]))(
    "refuses console user %s in the plan",
    (_label, member) => {
      expect(() => deployPlan(all, { ...CONSOLE, consoleUsers: ["user:alice@acme.com", member] })).toThrow(
        DeployPlanError,
      );
    },
  );

  it("folds case and drops repeats of a valid member", () => {
    const plan = deployPlan(all, {
      ...CONSOLE,
      consoleUsers: ["USER:Alice@Acme.com", "user:alice@acme.com"],
    });
    expect(calls(plan, "iap web add-iam-policy-binding").map((call) => flag(call, "member"))).toEqual([
      "user:alice@acme.com",
    ]);
  });

  it.each([
    "user:alice@acme.com,allAuthenticatedUsers",
    "allUsers",
    "user:alice@acme.com,domain:acme.com",
    "user:alice@acme.com\nuser:mallory@evil.com",
  ])("the CLI refuses --console-users %j and prints no plan", async (value) => {
    const { deploy, out } = command();
    await expect(deploy.run([...ARGS, "--console-users", value])).rejects.toThrow(UsageError);
    expect(out.join("")).not.toContain("gcloud");
  });

  it.each(["evil.com/x", "*.acme.com", "riposte.acme.com\n", "203.0.113.7", "Riposte.Acme.com", "localhost"])(
    "refuses --console-domain %j",
    (domain) => {
      expect(() => deployPlan(all, { ...CONSOLE, consoleDomain: domain })).toThrow(DeployPlanError);
    },
  );

  const SECRET = "xoxb-0000-SECRET-VALUE-never-printed";

  it.each([
    ["console:SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET"],
    ["console:SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"],
    ["SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"],
  ])("refuses a credential given with --env %s, never repeating it", async (target, key) => {
    const { deploy, out } = command();
    const error = await deploy
      .run([...ARGS, "--env", `${target}=${SECRET}`])
      .catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(key);
    expect((error as Error).message).not.toContain(SECRET);
    expect(out.join("")).not.toContain(SECRET);
    // deployPlan refuses it too, whoever calls it.
    const direct = (() => {
      try {
        deployPlan(all, { ...CONSOLE, env: { console: { [key]: SECRET } } });
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(direct).toBeInstanceOf(DeployPlanError);
    expect(direct?.message).not.toContain(SECRET);
  });

  it("the printed plan and everything it runs hold no credential, only the secrets' names", async () => {
    const { deploy, out } = command();
    expect(await deploy.run(ARGS)).toBe(0);
    const script = out.join("");
    expect(script).toContain("SLACK_SIGNING_SECRET=riposte-slack-signing-secret:latest");
    // Each mention of a credential names a secret (or tells how to give one), never a value.
    const mentions = [...script.matchAll(/(SLACK_SIGNING_SECRET|SLACK_BOT_TOKEN)=([^\s,'"]+)/g)].map(
      (m) => m[2],
    );
    expect(mentions.length).toBeGreaterThan(0);
    for (const value of mentions)
      expect(value).toMatch(/^(riposte-slack-[a-z-]+:latest|SECRET\[:VERSION\]\)?)$/);
  });

  it.each([
    ["CONSOLE_AUTHENTICATION", "none-local"],
    ["IAP_AUDIENCE", "/projects/1/global/backendServices/2"],
    ["PUSH_AUTH_AUDIENCE", "https://evil.example"],
    ["PUSH_AUTH_ALLOWED_EMAILS", "mallory@evil.example"],
  ])("refuses --env console:%s (the plan sets it)", (key, value) => {
    expect(() => deployPlan(all, { ...CONSOLE, env: { console: { [key]: value } } })).toThrow(
      /set by the plan/,
    );
  });
});

const ARGS = [
  "plan",
  "--project",
  PROJECT,
  "--region",
  "europe-west1",
  "--service",
  "console",
  "--console-domain",
  DOMAIN,
  "--console-users",
  USERS.join(","),
];

function command() {
  const out: string[] = [];
  const deploy = createDeployCommand({
    loadDescriptors: async () => all,
    runner: { run: async () => ({ code: 0, stdout: "" }) },
    isInteractive: () => false,
    confirm: async () => false,
    out: (text) => out.push(text),
  });
  return { deploy, out };
}

// A fake gcloud answering the reads the plan makes; every other call "succeeds" and is recorded.
// Resources do not exist (describe fails) unless FAKE_ATTACHED says the load balancer's parts do.
const FAKE_GCLOUD = `#!/usr/bin/env bash
printf '%s\\n' "gcloud $*" >> "$CALLS"
case "$*" in
  "auth list"*) echo "ops@acme.example" ;;
  "auth print-access-token"*) echo "ya29.fake" ;;
  "projects describe"*) echo "123456789" ;;
  "services list"*) echo "run.googleapis.com" ;;
  "secrets versions describe"*) echo "projects/123456789/secrets/x/versions/1" ;;
  "run services describe"*) echo "https://$4-xyz.a.run.app" ;;
  *"value(backends[].group)"*|*"value(pathMatchers[].name)"*) [ -n "\${FAKE_ATTACHED:-}" ] && echo "https://compute/x" ;;
  *"backend-services describe"*"value(id)"*) echo "4242" ;;
  *"addresses describe"*"value(address)"*) echo "203.0.113.7" ;;
  *" describe "*|*" describe") exit 1 ;;
esac
exit 0
`;
const FAKE_CURL = `#!/usr/bin/env bash
while [ $# -gt 0 ]; do [ "$1" = --data ] && { shift; data="$1"; }; shift; done
printf '%s' "$data"
`;
const CHANGES =
  /^(?!curl ).*\b(create|enable|deploy|add-iam-policy-binding|apply|update|add-backend)\b|^npm run build/;

function runScript(script: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "riposte-approvals-plan-"));
  const bin = join(dir, "bin");
  execFileSync("mkdir", [bin]);
  const fakes: Record<string, string> = {
    gcloud: FAKE_GCLOUD,
    curl: FAKE_CURL,
    npm: `#!/usr/bin/env bash\nprintf '%s\\n' "npm $*" >> "$CALLS"\n`,
  };
  for (const [name, text] of Object.entries(fakes)) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
  const calls = join(dir, "calls.txt");
  writeFileSync(calls, "");
  writeFileSync(join(dir, "deploy.sh"), script);
  const result = spawnSync("bash", [join(dir, "deploy.sh")], {
    cwd: dir,
    encoding: "utf8",
    env: { PATH: `${bin}:${process.env.PATH}`, CALLS: calls, ...env },
  });
  return { ...result, calls: readFileSync(calls, "utf8").split("\n").filter(Boolean) };
}
