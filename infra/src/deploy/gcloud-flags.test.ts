// Every gcloud command of the deploy plan exists in the installed gcloud, with every flag the plan
// passes it — asked of gcloud itself (`<command> --help`), not of a list written from memory.
import { DEFAULT_RUNTIME, type ServiceDescriptor } from "@riposte/service-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadServices } from "../services.js";
import { type CliCall, planCalls } from "./commands.js";
import { flagsInHelp, gcloudHelp } from "./gcloud-help.js";
import { deployPlan } from "./plan.js";
import { preflightCalls } from "./preflight.js";

let descriptors: ServiceDescriptor[];
beforeAll(async () => {
  descriptors = (await loadServices()).map((service) => service.descriptor);
});

/** A service declaring the evidence bucket and a workload identity, whatever services/ holds. */
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
  workloadIdentities: [
    {
      kubernetesServiceAccount: "riposte-node-capture",
      namespace: "riposte",
      gcpServiceAccountId: "riposte-node-capture",
      buckets: [{ bucket: "evidence", roles: ["roles/storage.objectCreator"] }],
      reason: "uploads the node capture",
    },
  ],
};

/** A service with a web front and credentials (the console's declarations), whatever services/ holds. */
const webService: ServiceDescriptor = {
  name: "web-front",
  description: "people open it",
  localPortOffset: 91,
  inputs: [],
  scheduled: [{ path: "/scheduled/tick", cron: "* * * * *", everySeconds: 60 }],
  publishes: [],
  kubernetes: [],
  gcpRoles: [],
  env: z.object({ IAP_AUDIENCE: z.string().optional(), SIGNING_SECRET: z.string().optional() }),
  runtime: DEFAULT_RUNTIME,
  web: {
    iapAudienceEnv: "IAP_AUDIENCE",
    pinnedEnv: {},
    publicPaths: [{ path: "/slack/*", reason: "Slack" }],
  },
  secretEnv: [{ env: "SIGNING_SECRET", secret: "web-front-signing-secret", reason: "a signing secret" }],
  apis: [{ api: "cloudidentity.googleapis.com", reason: "groups" }],
};

/** The plans that together use every command and flag the planner can emit. */
function everyCall(): CliCall[] {
  const full = deployPlan(descriptors, {
    project: "acme-prod",
    region: "europe-west1",
    clusters: [{ name: "prod-eu", location: "europe-west1-b" }],
    vpc: { network: "prod", subnet: "riposte-egress" },
    organization: "123456789012",
    firestoreLocation: "eur3",
    secrets: { notifier: { SLACK_WEBHOOK_URL: { secret: "riposte-slack-webhook", version: "latest" } } },
  });
  const one = deployPlan(descriptors, { project: "acme-prod", region: "europe-west1", only: ["router"] });
  // --ingest both: the log sink's commands as well as falcosidekick's.
  const sink = deployPlan(descriptors, { project: "acme-prod", region: "europe-west1", ingest: "both" });
  const evidence = deployPlan([...descriptors, evidenceWriter], {
    project: "acme-prod",
    region: "europe-west1",
    only: ["evidence-writer"],
    evidenceRetention: "90d",
  });
  const web = deployPlan([...descriptors.filter((service) => !service.web), webService], {
    project: "acme-prod",
    region: "europe-west1",
    only: ["web-front"],
    consoleDomain: "riposte.acme.com",
    consoleUsers: ["group:sre@acme.com"],
  });
  return [
    ...preflightCalls(web.preflight),
    ...planCalls(web),
    ...preflightCalls(full.preflight),
    ...planCalls(full),
    ...preflightCalls(evidence.preflight),
    ...planCalls(evidence),
    ...planCalls(one),
    ...planCalls(sink),
  ].filter((call) => call.program === "gcloud");
}

/** Runs `fn` over `items`, `limit` at a time (gcloud --help takes ~1.5 s of one core each). */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

describe("the deploy plan against the installed gcloud", () => {
  it("parses a help text into the flags it defines, and only those", async () => {
    const flags = flagsInHelp(await gcloudHelp(["run", "deploy"]));
    expect(flags).toContain("no-allow-unauthenticated");
    expect(flags).toContain("set-env-vars");
    expect(flags).toContain("project"); // GCLOUD WIDE FLAGS
    expect(flags).not.toContain("no-such-flag");
    // "--min to set the minimum …" is prose in another flag's description, yet --min is a real flag;
    // a word that only appears mid-sentence is not picked up.
    expect(flags.has("allow-unauthenticated")).toBe(true);
    expect([...flags].every((flag) => /^[a-z][a-z0-9-]*$/.test(flag))).toBe(true);
    // A definition line listing aliases: `--[no-]pap, --[no-]public-access-prevention`.
    const bucketFlags = flagsInHelp(await gcloudHelp(["storage", "buckets", "create"]));
    for (const flag of ["pap", "public-access-prevention", "no-public-access-prevention", "location"]) {
      expect(bucketFlags, flag).toContain(flag);
    }
    expect(bucketFlags).toContain("uniform-bucket-level-access");
  }, 60_000);

  it("uses only commands and flags that exist", async () => {
    const byCommand = new Map<string, Set<string>>();
    for (const call of everyCall()) {
      const key = call.path.join(" ");
      const flags = byCommand.get(key) ?? new Set<string>();
      for (const [name] of call.flags) flags.add(name);
      byCommand.set(key, flags);
    }
    // Sanity: the commands the issue names are all in the plan.
    expect([...byCommand.keys()]).toEqual(
      expect.arrayContaining([
        "run deploy",
        "run services add-iam-policy-binding",
        "iam service-accounts create",
        "pubsub topics create",
        "pubsub subscriptions create",
        "projects add-iam-policy-binding",
        "organizations add-iam-policy-binding",
        "container clusters get-credentials",
        "container clusters describe",
        "compute networks subnets describe",
        "services list",
        "logging sinks create",
        "logging sinks describe",
        // The incident ledger and the notifier's scheduled call.
        "firestore databases create",
        "firestore databases describe",
        "firestore fields ttls update",
        "scheduler jobs create http",
        "scheduler jobs update http",
        "scheduler jobs describe",
        // The evidence bucket and a workload's own identity.
        "storage buckets create",
        "storage buckets describe",
        "storage buckets update",
        "storage buckets add-iam-policy-binding",
        "iam service-accounts add-iam-policy-binding",
        // The console's load balancer, IAP and who may pass it.
        "compute backend-services create",
        "compute backend-services update",
        "compute backend-services add-backend",
        "compute network-endpoint-groups create",
        "compute url-maps add-path-matcher",
        "compute forwarding-rules create",
        "iap web add-iam-policy-binding",
        "beta services identity create",
        "secrets add-iam-policy-binding",
      ]),
    );
    const problems = (
      await mapLimited([...byCommand.entries()], 4, async ([command, used]) => {
        const known = flagsInHelp(await gcloudHelp(command.split(" ")));
        return [...used].filter((flag) => !known.has(flag)).map((flag) => `gcloud ${command} --${flag}`);
      })
    ).flat();
    expect(problems, `flags the installed gcloud does not know`).toEqual([]);
  }, 180_000);
});
