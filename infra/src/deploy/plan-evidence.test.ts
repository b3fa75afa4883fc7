// The evidence bucket in the deploy plan (issue 19): created once when a descriptor declares it, each
// declaring service granted exactly its roles on that bucket only and told its name by its variable;
// the Kubernetes workloads a service launches get their own Google account (Workload Identity) with
// their own bucket roles. All derived from the descriptors' `buckets` and `workloadIdentities`.

import { DEFAULT_RUNTIME, type ServiceDescriptor } from "@riposte/service-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { createDeployCommand } from "../cli/deploy.js";
import { rbacManifestFor } from "../rbac.js";
import { loadServices } from "../services.js";
import { type CliCall, type DeployPlan, planCalls } from "./commands.js";
import { type DeployOptions, DeployPlanError, deployPlan } from "./plan.js";

/**
 * The real services minus any that declares a bucket or a workload identity (services/capture does):
 * the synthetic ones below are then the only users, whatever services/ holds.
 */
let descriptors: ServiceDescriptor[];
beforeAll(async () => {
  descriptors = (await loadServices())
    .map((service) => service.descriptor)
    .filter((service) => !service.buckets?.length && !service.workloadIdentities?.length);
});

const PROJECT = "acme-prod";
const BASE: DeployOptions = { project: PROJECT, region: "europe-west1" };
const BUCKET = `gs://${PROJECT}-riposte-evidence`;
const sa = (id: string) => `serviceAccount:${id}@${PROJECT}.iam.gserviceaccount.com`;

/** A service that writes evidence: objectCreator + legacyObjectReader on the evidence bucket. */
function collector(name: string, extra: Partial<ServiceDescriptor> = {}): ServiceDescriptor {
  return {
    name,
    description: `${name} writes evidence bundles`,
    localPortOffset: 90,
    inputs: [{ topic: name, path: "/", accepts: ["CaptureEvidence"] }],
    publishes: [],
    kubernetes: [],
    gcpRoles: [],
    env: z.object({ EVIDENCE_BUCKET: z.string(), OTHER: z.string().default("x") }),
    runtime: DEFAULT_RUNTIME,
    buckets: [
      {
        bucket: "evidence",
        env: "EVIDENCE_BUCKET",
        roles: ["roles/storage.objectCreator", "roles/storage.legacyObjectReader"],
        reason: "writes each bundle once; re-reads what an earlier delivery wrote",
      },
    ],
    ...extra,
  };
}

const NODE_CAPTURE = {
  kubernetesServiceAccount: "riposte-node-capture",
  namespace: "riposte",
  gcpServiceAccountId: "riposte-node-capture",
  buckets: [{ bucket: "evidence", roles: ["roles/storage.objectCreator"] }],
  reason: "the node capture Job uploads its capture file",
} as const;

/** A service that also launches the node capture Job. */
const launcher = () => collector("launcher", { workloadIdentities: [NODE_CAPTURE] });
const withCollectors = () => [...descriptors, collector("collector-a"), collector("collector-b"), launcher()];

const calls = (plan: DeployPlan, path: string) =>
  planCalls(plan).filter((call) => call.program === "gcloud" && call.path.join(" ") === path);
const commandsOf = (plan: DeployPlan, path: string) =>
  plan.steps.flatMap((step) => step.commands).filter((command) => command.call.path.join(" ") === path);
const flag = (call: CliCall | undefined, name: string) =>
  call?.flags.find((candidate) => candidate[0] === name)?.[1];
const stepIndex = (plan: DeployPlan, path: string) =>
  plan.steps.findIndex((step) => step.commands.some((command) => command.call.path.join(" ") === path));
const envOf = (plan: DeployPlan, service: string) =>
  flag(
    calls(plan, "run deploy").find((call) => call.positionals[0] === service),
    "set-env-vars",
  );

describe("the evidence bucket in the deploy plan", () => {
  it("is not created when no descriptor declares it", () => {
    const plan = deployPlan(descriptors, BASE);
    expect(calls(plan, "storage buckets create")).toEqual([]);
    expect(calls(plan, "storage buckets add-iam-policy-binding")).toEqual([]);
  });

  it("is created once, even when several services declare it: in --region, uniform access, no public access, 30 days' retention", () => {
    const plan = deployPlan(withCollectors(), BASE);
    const creates = commandsOf(plan, "storage buckets create");
    expect(creates).toHaveLength(1);
    const [create] = creates;
    expect(create?.call.positionals).toEqual([BUCKET]);
    expect(create?.call.flags).toEqual([
      ["location", "europe-west1"],
      ["uniform-bucket-level-access"],
      ["public-access-prevention"],
      ["retention-period", "30d"],
      ["project", PROJECT],
    ]);
    expect(create?.unless?.path).toEqual(["storage", "buckets", "describe"]);
    expect(create?.unless?.positionals).toEqual([BUCKET]);
    // Its name reaches the services' environment, so it exists before they are deployed, and its
    // grants name accounts that exist by then.
    expect(stepIndex(plan, "storage buckets create")).toBeLessThan(stepIndex(plan, "run deploy"));
    expect(stepIndex(plan, "storage buckets create")).toBeGreaterThan(
      stepIndex(plan, "iam service-accounts create"),
    );
    const why = plan.steps[stepIndex(plan, "storage buckets create")]?.why ?? "";
    expect(why).toMatch(/cannot be deleted or replaced/);
  });

  it("sets the retention the operator gives, every run (an existing bucket gets it too)", () => {
    const plan = deployPlan(withCollectors(), { ...BASE, evidenceRetention: "90d" });
    expect(flag(calls(plan, "storage buckets create")[0], "retention-period")).toBe("90d");
    const updates = calls(plan, "storage buckets update");
    expect(updates).toHaveLength(1);
    expect(updates[0]?.positionals).toEqual([BUCKET]);
    expect(updates[0]?.flags).toEqual(
      expect.arrayContaining([["retention-period", "90d"], ["public-access-prevention"]]),
    );
  });

  it("grants each declaring service exactly its roles, on the bucket only — never a storage role on the project", () => {
    const plan = deployPlan(withCollectors(), BASE);
    const grants = calls(plan, "storage buckets add-iam-policy-binding").map((call) => ({
      bucket: call.positionals,
      member: flag(call, "member"),
      role: flag(call, "role"),
    }));
    const reader = "roles/storage.legacyObjectReader";
    const creator = "roles/storage.objectCreator";
    expect(grants).toEqual(
      expect.arrayContaining([
        { bucket: [BUCKET], member: sa("riposte-collector-a"), role: creator },
        { bucket: [BUCKET], member: sa("riposte-collector-a"), role: reader },
        { bucket: [BUCKET], member: sa("riposte-collector-b"), role: creator },
        { bucket: [BUCKET], member: sa("riposte-launcher"), role: reader },
        { bucket: [BUCKET], member: sa("riposte-node-capture"), role: creator },
      ]),
    );
    expect(grants).toHaveLength(7);
    // The node capture account reads nothing.
    expect(grants.filter((grant) => grant.member === sa("riposte-node-capture"))).toHaveLength(1);
    const elsewhere = [
      ...calls(plan, "projects add-iam-policy-binding"),
      ...calls(plan, "organizations add-iam-policy-binding"),
    ].filter((call) => String(flag(call, "role")).startsWith("roles/storage."));
    expect(elsewhere).toEqual([]);
  });

  it("refuses a descriptor asking for a storage role on the project, or a bucket role that deletes, lists or administers", () => {
    const onProject = collector("collector-a", {
      gcpRoles: [{ role: "roles/storage.objectCreator", on: { kind: "project" }, reason: "sneaky" }],
    });
    expect(() => deployPlan([...descriptors, onProject], BASE)).toThrow(
      /collector-a: roles\/storage\.objectCreator on the project/,
    );
    for (const role of [
      "roles/storage.admin",
      "roles/storage.objectAdmin",
      "roles/storage.objectUser",
      "roles/owner",
    ]) {
      const greedy = collector("collector-a", {
        buckets: [{ bucket: "evidence", env: "EVIDENCE_BUCKET", roles: [role as never], reason: "x" }],
      });
      expect(() => deployPlan([...descriptors, greedy], BASE), role).toThrow(DeployPlanError);
      expect(() => deployPlan([...descriptors, greedy], BASE), role).toThrow(
        new RegExp(`collector-a: .*${role}`),
      );
    }
    const greedyIdentity = collector("collector-a", {
      workloadIdentities: [
        { ...NODE_CAPTURE, buckets: [{ bucket: "evidence", roles: ["roles/storage.admin" as never] }] },
      ],
    });
    expect(() => deployPlan([...descriptors, greedyIdentity], BASE)).toThrow(/roles\/storage\.admin/);
  });

  it("sets the bucket's variable on exactly the declaring services", () => {
    const plan = deployPlan(withCollectors(), BASE);
    const declaring = ["collector-a", "collector-b", "launcher"];
    for (const service of declaring) {
      expect(envOf(plan, service), service).toContain(`EVIDENCE_BUCKET=${PROJECT}-riposte-evidence`);
    }
    for (const service of descriptors) {
      // A service that does not declare the bucket is not told its name (even one reading EVIDENCE_BUCKET).
      expect(envOf(plan, service.name), service.name).not.toContain(
        `EVIDENCE_BUCKET=${PROJECT}-riposte-evidence`,
      );
    }
    expect(plan.todos.filter((todo) => declaring.includes(todo.service ?? ""))).toEqual([]);
  });

  it("refuses a declared variable the service's env schema does not read, and an --env that would override the plan's", () => {
    const unread = collector("collector-a", {
      buckets: [
        { bucket: "evidence", env: "EVIDENCE_BUKET", roles: ["roles/storage.objectCreator"], reason: "typo" },
      ],
    });
    expect(() => deployPlan([...descriptors, unread], BASE)).toThrow(/collector-a: EVIDENCE_BUKET/);
    expect(() =>
      deployPlan(withCollectors(), { ...BASE, env: { "collector-a": { EVIDENCE_BUCKET: "elsewhere" } } }),
    ).toThrow(/collector-a: EVIDENCE_BUCKET is set by the plan.*--evidence-bucket/);
  });

  it("uses --evidence-bucket everywhere: created, granted, deployed", () => {
    const plan = deployPlan(withCollectors(), { ...BASE, evidenceBucket: "acme-forensics_1" });
    expect(calls(plan, "storage buckets create")[0]?.positionals).toEqual(["gs://acme-forensics_1"]);
    for (const call of calls(plan, "storage buckets add-iam-policy-binding")) {
      expect(call.positionals).toEqual(["gs://acme-forensics_1"]);
    }
    expect(envOf(plan, "launcher")).toContain("EVIDENCE_BUCKET=acme-forensics_1");
  });

  it("refuses a hostile or impossible --evidence-bucket, naming the flag", () => {
    for (const name of [
      "x;rm -rf /",
      "Evidence",
      "ab",
      "a".repeat(64),
      "-evidence",
      "evidence-",
      "goog-evidence",
      "my-google-evidence",
      "gs://evidence",
      "a/../b",
      "evidence.example.com",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, refused as a name.
      "${HOME}",
      "evi dence",
      "evidence\n--role=roles/owner",
    ]) {
      expect(() => deployPlan(withCollectors(), { ...BASE, evidenceBucket: name }), name).toThrow(
        /^--evidence-bucket /,
      );
    }
  });

  it("refuses a hostile or impossible --evidence-retention, naming the flag", () => {
    for (const value of ["0d", "30", "-1d", "30d;rm -rf /", "P30D", "3651d", "30 d", "1e3d", "", "30d\n"]) {
      expect(() => deployPlan(withCollectors(), { ...BASE, evidenceRetention: value }), value).toThrow(
        /^--evidence-retention /,
      );
    }
    expect(() => deployPlan(withCollectors(), { ...BASE, evidenceRetention: "3650d" })).not.toThrow();
  });
});

describe("a workload's own Google identity (Workload Identity)", () => {
  it("creates its account, grants it its bucket roles, and lets exactly its Kubernetes service account act as it", () => {
    const plan = deployPlan(withCollectors(), BASE);
    const accounts = calls(plan, "iam service-accounts create").map((call) => call.positionals[0]);
    expect(accounts.filter((id) => id === "riposte-node-capture")).toHaveLength(1);
    const bindings = calls(plan, "iam service-accounts add-iam-policy-binding").filter(
      (call) => call.positionals[0] === `riposte-node-capture@${PROJECT}.iam.gserviceaccount.com`,
    );
    expect(bindings).toHaveLength(1);
    expect(bindings[0]?.flags).toEqual([
      ["member", `serviceAccount:${PROJECT}.svc.id.goog[riposte/riposte-node-capture]`],
      ["role", "roles/iam.workloadIdentityUser"],
      ["project", PROJECT],
    ]);
    // It holds no role on the project: not even trace writing.
    const projectRoles = calls(plan, "projects add-iam-policy-binding").filter(
      (call) => flag(call, "member") === sa("riposte-node-capture"),
    );
    expect(projectRoles).toEqual([]);
  });

  it("applies the namespace and the Kubernetes service account in the clusters, even for a service without Kubernetes verbs", () => {
    const plan = deployPlan([...descriptors, launcher()], { ...BASE, only: ["launcher"] });
    const rbac = plan.steps.find((step) =>
      step.commands.some((command) => command.call.program === "kubectl"),
    );
    expect(rbac).toBeDefined();
    const [namespace, account] = parseAllDocuments(rbacManifestFor(launcher(), PROJECT) ?? "").map((doc) =>
      doc.toJS(),
    );
    expect(namespace).toMatchObject({ apiVersion: "v1", kind: "Namespace", metadata: { name: "riposte" } });
    expect(account).toMatchObject({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: {
        name: "riposte-node-capture",
        namespace: "riposte",
        annotations: {
          "iam.gke.io/gcp-service-account": `riposte-node-capture@${PROJECT}.iam.gserviceaccount.com`,
        },
      },
    });
  });

  it("refuses names that are not Kubernetes or Google account names", () => {
    for (const bad of [
      { namespace: "Riposte" },
      { namespace: "kube-system;x" },
      { kubernetesServiceAccount: "a/b" },
      { kubernetesServiceAccount: "x]" },
      { gcpServiceAccountId: "short" },
      { gcpServiceAccountId: "riposte_node" },
    ]) {
      const service = collector("launcher", { workloadIdentities: [{ ...NODE_CAPTURE, ...bad }] });
      expect(() => deployPlan([...descriptors, service], BASE), JSON.stringify(bad)).toThrow(/^launcher: /);
    }
  });
});

describe("the preflight of the evidence bucket", () => {
  it("checks it before anything changes, and asks for the permissions its steps use", () => {
    const plan = deployPlan(withCollectors(), BASE);
    expect(plan.preflight.buckets).toEqual([{ name: `${PROJECT}-riposte-evidence` }]);
    const permissions = plan.preflight.projectPermissions.map((entry) => entry.permission);
    expect(permissions).toEqual(
      expect.arrayContaining([
        "storage.buckets.create",
        "storage.buckets.update",
        "storage.buckets.setIamPolicy",
      ]),
    );
    const without = deployPlan(descriptors, BASE);
    expect(without.preflight.buckets).toEqual([]);
    expect(without.preflight.projectPermissions.map((entry) => entry.permission)).not.toContain(
      "storage.buckets.create",
    );
  });
});

describe("riposte deploy plan --evidence-bucket / --evidence-retention", () => {
  const run = async (extra: string[]) => {
    const out: string[] = [];
    const deploy = createDeployCommand({
      loadDescriptors: async () => withCollectors(),
      runner: { run: async () => ({ code: 0, stdout: "" }) },
      isInteractive: () => false,
      confirm: async () => false,
      out: (text) => out.push(text),
    });
    const args = ["plan", "--project", PROJECT, "--region", "europe-west1", "--service", "launcher"];
    const code = await deploy.run([...args, ...extra]);
    return { code, script: out.join("") };
  };

  it("creates the bucket named and kept as told", async () => {
    const { script } = await run(["--evidence-bucket", "acme-evidence", "--evidence-retention", "7d"]);
    expect(script).toMatch(/gcloud storage buckets create gs:\/\/acme-evidence[^#]*--retention-period=7d/);
  });

  it("refuses hostile values, naming the flag, before any plan is printed", async () => {
    await expect(run(["--evidence-bucket", "x;reboot"])).rejects.toThrow(
      /--evidence-bucket "x;reboot": expected/,
    );
    await expect(run(["--evidence-retention", "30d --lock"])).rejects.toThrow(
      /--evidence-retention "30d --lock": expected/,
    );
  });
});
