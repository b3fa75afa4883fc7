// The generated deploy script run by bash against a fake `gcloud` (and curl, npm, npx, kubectl) that
// records every call: with a required value missing it stops at preflight having created nothing; with
// everything given it runs past preflight to the end. `--apply` runs the same preflight first.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_RUNTIME, type ServiceDescriptor } from "@riposte/service-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadServices } from "../services.js";
import { applyPlan, type CommandRunner, DeployApplyError } from "./apply.js";
import { type DeployOptions, deployPlan } from "./plan.js";
import { renderPlan } from "./shell.js";

let descriptors: ServiceDescriptor[];
beforeAll(async () => {
  descriptors = (await loadServices()).map((service) => service.descriptor);
});

const COMPLETE: DeployOptions = {
  project: "acme-prod",
  region: "europe-west1",
  clusters: [
    { name: "prod-eu", location: "europe-west1" },
    { name: "prod-us", location: "us-central1" },
  ],
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

// Answers the read-only calls; every other call "succeeds" and is only recorded. FAKE_CLUSTER is what
// `container clusters describe` prints (private endpoint|authorized networks|ranges).
const FAKE_GCLOUD = `#!/usr/bin/env bash
printf '%s\\n' "gcloud $*" >> "$CALLS"
case "$*" in
  "auth list"*) echo "ops@acme.example" ;;
  "auth print-access-token"*) echo "ya29.fake" ;;
  "projects describe"*) echo "123456789" ;;
  "services list"*) echo "run.googleapis.com" ;;
  "container clusters describe"*) echo "\${FAKE_CLUSTER:-False|False|}" ;;
  "compute networks subnets describe"*) echo "10.8.0.0/26" ;;
  "run services describe"*) echo "https://$4-xyz.a.run.app" ;;
  # FAKE_FIRESTORE is the ledger database's "type|locationId"; unset, it does not exist yet.
  "firestore databases describe"*) [ -n "\${FAKE_FIRESTORE:-}" ] || exit 1; echo "$FAKE_FIRESTORE" ;;
  # FAKE_BUCKET is a bucket's "projectNumber|uniform access"; unset, it does not exist yet.
  "storage buckets describe"*) [ -n "\${FAKE_BUCKET:-}" ] || exit 1; echo "$FAKE_BUCKET" ;;
esac
exit 0
`;
// testIamPermissions answers the permissions the caller holds: here all those asked, minus FAKE_DENY.
const FAKE_CURL = `#!/usr/bin/env bash
printf '%s\\n' "curl $*" >> "$CALLS"
while [ $# -gt 0 ]; do [ "$1" = --data ] && { shift; data="$1"; }; shift; done
printf '%s' "$data" | sed "s/\\"\${FAKE_DENY:-none}\\",\\?//"
`;
const FAKE_OTHER = (name: string) => `#!/usr/bin/env bash\nprintf '%s\\n' "${name} $*" >> "$CALLS"\n`;

function runScript(script: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "riposte-preflight-"));
  const bin = join(dir, "bin");
  execFileSync("mkdir", [bin]);
  const fakes: Record<string, string> = {
    gcloud: FAKE_GCLOUD,
    curl: FAKE_CURL,
    npm: FAKE_OTHER("npm"),
    npx: FAKE_OTHER("npx"),
    kubectl: FAKE_OTHER("kubectl"),
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
    env: { PATH: `${bin}:${process.env.PATH}`, CALLS: calls, RIPOSTE_IAM_RETRY_DELAY: "0", ...env },
  });
  return { ...result, calls: readFileSync(calls, "utf8").split("\n").filter(Boolean) };
}

// A call that changes something (curl only asks testIamPermissions, whose body names such verbs).
const CHANGES = /^(?!curl ).*\b(create|enable|deploy|add-iam-policy-binding|apply|update)\b|^npm run build/;

describe("the deploy script's preflight", () => {
  it("with the notifier's destination missing, stops at preflight naming it, and has created nothing", () => {
    const { secrets: _none, ...withoutDestination } = COMPLETE;
    const plan = deployPlan(descriptors, withoutDestination);
    const run = runScript(renderPlan(plan, "riposte deploy plan (test)"));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/notifier: NOTIFY_DESTINATIONS or SLACK_WEBHOOK_URL/);
    expect(run.stderr).toContain("--secret notifier:SLACK_WEBHOOK_URL=SECRET");
    expect(run.stderr).toContain("nothing was created or changed");
    expect(run.calls.filter((call) => CHANGES.test(call))).toEqual([]);
  });

  it("without the organization and clusters, names each flag and creates nothing", () => {
    const { organization: _o, clusters: _c, ...partial } = COMPLETE;
    const run = runScript(renderPlan(deployPlan(descriptors, partial), "test"));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("--organization ORG");
    expect(run.stderr).toContain("--cluster NAME");
    expect(run.calls.filter((call) => CHANGES.test(call))).toEqual([]);
  });

  it("a permission the caller lacks stops it, naming the permission and a role that has it", () => {
    const run = runScript(renderPlan(deployPlan(descriptors, COMPLETE), "test"), {
      FAKE_DENY: "run.services.create",
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(
      /ops@acme\.example lacks run\.services\.create on project acme-prod.*roles\/run\.admin/,
    );
    expect(run.calls.filter((call) => CHANGES.test(call))).toEqual([]);
  });

  it("with everything given runs past preflight to the end; every cluster counts", () => {
    const run = runScript(renderPlan(deployPlan(descriptors, COMPLETE), "test"));
    expect(run.stderr).not.toContain("preflight:");
    expect(run.status, run.stderr).toBe(0);
    expect(run.calls.some((call) => call.startsWith("gcloud run deploy notifier"))).toBe(true);
    for (const cluster of ["prod-eu", "prod-us"]) {
      expect(run.calls.some((call) => call.startsWith(`gcloud container clusters describe ${cluster}`))).toBe(
        true,
      );
      expect(
        run.calls.some((call) => call.startsWith(`gcloud container clusters get-credentials ${cluster}`)),
      ).toBe(true);
    }
    const firstChange = run.calls.findIndex((call) => CHANGES.test(call));
    const lastCheck = run.calls.findLastIndex((call) => call.startsWith("curl"));
    expect(lastCheck).toBeGreaterThan(-1);
    expect(firstChange).toBeGreaterThan(lastCheck);
  });

  it("a private endpoint without --network/--subnet stops it, saying how Cloud Run reaches the cluster", () => {
    const run = runScript(renderPlan(deployPlan(descriptors, COMPLETE), "test"), {
      FAKE_CLUSTER: "True|False|",
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/prod-eu.*private endpoint.*--network NETWORK --subnet SUBNET/);
    expect(run.calls.filter((call) => CHANGES.test(call))).toEqual([]);
  });

  it("master authorized networks without the subnet's range: stops with the command that adds it", () => {
    const plan = deployPlan(descriptors, { ...COMPLETE, vpc: { network: "prod", subnet: "riposte-egress" } });
    const run = runScript(renderPlan(plan, "test"), { FAKE_CLUSTER: "True|True|10.0.0.0/8;192.168.0.0/16" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("--master-authorized-networks=10.0.0.0/8,192.168.0.0/16,10.8.0.0/26");
    expect(run.calls.filter((call) => CHANGES.test(call))).toEqual([]);
    const allowed = runScript(renderPlan(plan, "test"), { FAKE_CLUSTER: "True|True|10.0.0.0/8;10.8.0.0/26" });
    expect(allowed.status, allowed.stderr).toBe(0);
  });

  // Firestore clients cannot use a database in Datastore mode, and a database never moves: found
  // before anything is created, not by services answering 503 once deployed.
  it("the ledger's database in Datastore mode stops it, saying how to switch it or use another", () => {
    const run = runScript(renderPlan(deployPlan(descriptors, COMPLETE), "test"), {
      FAKE_FIRESTORE: "DATASTORE_MODE|europe-west1",
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/database \(default\) of project acme-prod is in Datastore mode/);
    expect(run.stderr).toContain(
      "gcloud firestore databases update --database='(default)' --type=firestore-native --project=acme-prod",
    );
    expect(run.stderr).toContain("--env LEDGER_DATABASE=");
    expect(run.calls).toContain(
      "gcloud firestore databases describe --database=(default) --project=acme-prod --format=value[separator=|](type,locationId)",
    );
    expect(run.calls.filter((call) => CHANGES.test(call))).toEqual([]);
  });

  it("the ledger's database in another location than --firestore-location stops it, naming both", () => {
    const plan = deployPlan(descriptors, { ...COMPLETE, firestoreLocation: "eur3" });
    const run = runScript(renderPlan(plan, "test"), { FAKE_FIRESTORE: "FIRESTORE_NATIVE|nam5" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/database \(default\) of project acme-prod is in nam5, not eur3/);
    expect(run.stderr).toContain("--firestore-location nam5");
    expect(run.calls.filter((call) => CHANGES.test(call))).toEqual([]);
    // Without --firestore-location the plan wants it in --region.
    const inRegion = runScript(renderPlan(deployPlan(descriptors, COMPLETE), "test"), {
      FAKE_FIRESTORE: "FIRESTORE_NATIVE|nam5",
    });
    expect(inRegion.stderr).toMatch(/is in nam5, not europe-west1/);
  });

  it("the ledger's database already in Native mode where the plan wants it: passes, and is not created again", () => {
    const run = runScript(renderPlan(deployPlan(descriptors, COMPLETE), "test"), {
      FAKE_FIRESTORE: "FIRESTORE_NATIVE|europe-west1",
    });
    expect(run.stderr).not.toContain("preflight:");
    expect(run.status, run.stderr).toBe(0);
    expect(run.calls.some((call) => call.startsWith("gcloud firestore databases create"))).toBe(false);
  });
});

/** A service writing to the evidence bucket (issue 19), whatever services/ holds. */
const evidenceWriter: ServiceDescriptor = {
  name: "evidence-writer",
  description: "writes evidence bundles",
  localPortOffset: 90,
  inputs: [{ topic: "evidence-writer", path: "/", accepts: ["CaptureEvidence"] }],
  publishes: [],
  kubernetes: [],
  gcpRoles: [],
  env: z.object({ EVIDENCE_BUCKET: z.string() }),
  runtime: DEFAULT_RUNTIME,
  buckets: [
    { bucket: "evidence", env: "EVIDENCE_BUCKET", roles: ["roles/storage.objectCreator"], reason: "bundles" },
  ],
};

// Bucket names are global: an existing bucket of that name is used as it is, so it must be ours and
// IAM-only — found before anything is created, not by evidence landing in someone else's bucket.
describe("the deploy script's preflight of the evidence bucket", () => {
  const script = () => renderPlan(deployPlan([...descriptors, evidenceWriter], COMPLETE), "test");
  const created = (calls: string[]) =>
    calls.some((call) => call.startsWith("gcloud storage buckets create gs://acme-prod-riposte-evidence"));

  it("a bucket of that name in another project stops it, before anything changes", () => {
    const run = runScript(script(), { FAKE_BUCKET: "999|True" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(
      "bucket gs://acme-prod-riposte-evidence exists and belongs to another project (number 999), not acme-prod: name another bucket with --evidence-bucket NAME",
    );
    expect(run.calls).toContain(
      "gcloud storage buckets describe gs://acme-prod-riposte-evidence --raw --format=value[separator=|](projectNumber,iamConfiguration.uniformBucketLevelAccess.enabled)",
    );
    expect(run.calls.filter((call) => CHANGES.test(call))).toEqual([]);
  });

  it("our bucket without uniform bucket-level access stops it, with the command that turns it on", () => {
    const run = runScript(script(), { FAKE_BUCKET: "123456789|False" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(
      "gcloud storage buckets update gs://acme-prod-riposte-evidence --uniform-bucket-level-access --project=acme-prod",
    );
    expect(run.calls.filter((call) => CHANGES.test(call))).toEqual([]);
  });

  it("our bucket with uniform access passes and is not created again; a missing one is created", () => {
    const ours = runScript(script(), { FAKE_BUCKET: "123456789|True" });
    expect(ours.status, ours.stderr).toBe(0);
    expect(created(ours.calls)).toBe(false);
    const missing = runScript(script());
    expect(missing.status, missing.stderr).toBe(0);
    expect(created(missing.calls)).toBe(true);
  });
});

describe("--apply's preflight", () => {
  it("runs the script's preflight first and nothing after it fails", async () => {
    const { secrets: _none, ...withoutDestination } = COMPLETE;
    const plan = deployPlan(descriptors, withoutDestination);
    const ran: string[][] = [];
    const runner: CommandRunner = {
      run: async (argv) => {
        ran.push([...argv]);
        return { code: argv[0] === "bash" ? 1 : 0, stdout: "" };
      },
    };
    await expect(applyPlan(plan, runner, () => {})).rejects.toThrow(DeployApplyError);
    expect(ran).toHaveLength(1);
    expect(ran[0]?.slice(0, 2)).toEqual(["bash", "-c"]);
    expect(ran[0]?.[2]).toContain("NOTIFY_DESTINATIONS or SLACK_WEBHOOK_URL");
  });

  it("retries an IAM grant that fails while a new account propagates, waiting longer each time", async () => {
    const plan = deployPlan(descriptors, COMPLETE);
    let grantFailures = 2;
    const waits: number[] = [];
    const runner: CommandRunner = {
      run: async (argv) => {
        if (argv.includes("add-iam-policy-binding") && grantFailures > 0) {
          grantFailures -= 1;
          return { code: 1, stdout: "" };
        }
        return { code: 0, stdout: argv.includes("describe") ? "x" : "" };
      },
    };
    await applyPlan(plan, runner, () => {}, { sleep: async (ms) => void waits.push(ms) });
    expect(waits).toEqual([5_000, 10_000]);
  });
});
