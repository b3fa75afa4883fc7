// Isolation that says when it cannot work: on a GKE cluster that does not enforce NetworkPolicies the
// pod is still labelled and the policy created, but the outcome says `enforced: false` in its details
// and in words (its reason, what the notifier prints), with a WARNING log. The GKE API is the fake one.
import type { V1NetworkPolicy, V1Pod } from "@kubernetes/client-node";
import {
  type ClusterEntry,
  createActionerApp,
  createNetworkPolicyEnforcementLookup,
} from "@riposte/actioner-kit";
import { commandFromExample, runnerDepsForTest } from "@riposte/actioner-kit/testing";
import type { ActionOutcome, IsolatePodCommand } from "@riposte/contracts";
import {
  demoSeed,
  type FakeGkeApi,
  type FakeGkeCluster,
  type SimCluster,
  startGkeApi,
  startSim,
} from "@riposte/k8s-sim";
import { createLogger } from "@riposte/service-kit";
import { pushRequest } from "@riposte/service-kit/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isolatePodAction, QUARANTINE_LABEL, QUARANTINE_POLICY } from "./action.js";

const RESOURCE = "projects/acme-prod/locations/europe-west1/clusters/prod";
const GKE_ENTRY: ClusterEntry = {
  kind: "gke",
  resource: RESOURCE,
  project: "acme-prod",
  location: "europe-west1",
  cluster: "prod",
};

let sim: SimCluster;
let gkeApi: FakeGkeApi;
beforeAll(async () => {
  sim = await startSim({ seed: demoSeed() });
  gkeApi = await startGkeApi();
});
afterAll(async () => {
  await sim.stop();
  await gkeApi.stop();
});
beforeEach(() => {
  sim.reset();
  gkeApi.reset();
});

/**
 * The isolator against the simulated cluster (reached by URL, named "local"), with the enforcement
 * lookup seeing "local" as `entry`: a GKE cluster answered by the fake GKE API, or a URL/context.
 */
function setup(entry: ClusterEntry, gke?: FakeGkeCluster, options: { dryRun?: boolean } = {}) {
  if (gke) gkeApi.setCluster(RESOURCE, gke);
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: "isolator",
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  const runner = runnerDepsForTest("isolator", sim.url, options.dryRun ? { dryRun: true } : {});
  const enforcement = createNetworkPolicyEnforcementLookup(
    { local: entry },
    {
      gkeApiEndpoint: gkeApi.url,
      testOnlyAnyGkeApiEndpoint: true,
      auth: { getAccessToken: async () => "token-1" },
      timeoutMs: 300,
    },
  );
  const app = createActionerApp(isolatePodAction(enforcement), {
    push: { service: "isolator", publisher: runner.publisher, logger },
    runner,
  });
  const send = async (command: IsolatePodCommand) => (await app.request("/", pushRequest(command))).status;
  const outcomes = () =>
    runner.publisher.on("action-outcomes").map((entry) => entry.message as ActionOutcome);
  const warnings = () => lines.filter((line) => line.severity === "WARNING");
  return { send, outcomes, warnings };
}

const web = () => sim.get({ kind: "Pod", namespace: "shop", name: "web-7d9f8c6b5-abcde" }) as V1Pod;
const quarantinePolicy = () =>
  sim.get({ kind: "NetworkPolicy", namespace: "shop", name: QUARANTINE_POLICY }) as
    | V1NetworkPolicy
    | undefined;
const shell = () => commandFromExample("isolate-pod", "modern-terminal-shell.json");

describe("isolator: NetworkPolicy enforcement", () => {
  it("on a GKE cluster without enforcement: still isolates, says enforced false in details, reason and a WARNING", async () => {
    const { send, outcomes, warnings } = setup(GKE_ENTRY, { networkPolicies: "none" });
    const command = shell();
    expect(await send(command)).toBe(204);
    expect(web().metadata?.labels?.[QUARANTINE_LABEL]).toBe(command.incident);
    expect(quarantinePolicy()).toBeDefined();
    const [outcome] = outcomes();
    expect(outcome?.result).toBe("done");
    expect(outcome?.details.enforced).toBe(false);
    expect(outcome?.details.enforcement).toMatch(/datapathProvider is LEGACY_DATAPATH/);
    // First in the reason: the notifier's one-line summaries cut long reasons short.
    expect(outcome?.reason).toMatch(
      /^WARNING: traffic NOT cut off, cluster local does not enforce NetworkPolicies: the pod is labelled and the policy stored, but nothing applies them \(neither GKE Dataplane V2 .*\); isolated pod shop\/web-7d9f8c6b5-abcde$/,
    );
    expect(warnings()).toContainEqual(
      expect.objectContaining({
        enforced: false,
        message: expect.stringMatching(/cluster local does not enforce NetworkPolicies/),
      }),
    );
  });

  it("with Dataplane V2: enforced true, no warning", async () => {
    const { send, outcomes, warnings } = setup(GKE_ENTRY, { networkPolicies: "dataplane-v2" });
    await send(shell());
    const [outcome] = outcomes();
    expect(outcome).toMatchObject({
      result: "done",
      reason: "isolated pod shop/web-7d9f8c6b5-abcde",
      details: { enforced: true, enforcement: expect.stringContaining("Dataplane V2") },
    });
    expect(warnings()).toEqual([]);
  });

  it.each([
    ["a server URL", { kind: "server", server: "http://127.0.0.1:1" } as const],
    ["a kubeconfig context", { kind: "context", context: "kind-dev" } as const],
  ])("a cluster reached by %s: enforced unknown, no GKE API call", async (_, entry) => {
    const { send, outcomes } = setup(entry);
    await send(shell());
    expect(outcomes()).toEqual([
      expect.objectContaining({
        result: "done",
        reason: "isolated pod shop/web-7d9f8c6b5-abcde",
        details: expect.objectContaining({ enforced: "unknown" }),
      }),
    ]);
    expect(gkeApi.requests).toEqual([]);
  });

  it("two isolations on one cluster ask the GKE API once; a later incident's outcome carries it too", async () => {
    const { send, outcomes } = setup(GKE_ENTRY, { networkPolicies: "none" });
    await send(shell());
    await send(
      commandFromExample("isolate-pod", "modern-terminal-shell.json", { top: { rule: "Another rule" } }),
    );
    expect(gkeApi.requests).toHaveLength(1);
    expect(outcomes().map((o) => [o.result, o.details.enforced])).toEqual([
      ["done", false],
      [expect.any(String), false],
    ]);
    expect(outcomes()[1]?.reason).toMatch(
      /^WARNING: traffic NOT cut off, cluster local does not enforce NetworkPolicies/,
    );
  });

  it.each([
    ["fails", { status: 503 }],
    ["hangs", { delayMs: "never" }],
  ] as const)("a GKE API that %s: enforced unknown and why, the pod still isolated", async (_, gke) => {
    const { send, outcomes } = setup(GKE_ENTRY, gke);
    const command = shell();
    expect(await send(command)).toBe(204);
    expect(web().metadata?.labels?.[QUARANTINE_LABEL]).toBe(command.incident);
    expect(quarantinePolicy()).toBeDefined();
    expect(outcomes()).toEqual([
      expect.objectContaining({
        result: "done",
        details: expect.objectContaining({
          enforced: "unknown",
          enforcement: expect.stringMatching(/GKE API/),
        }),
      }),
    ]);
  });

  it("huge values in the GKE answer reach the outcome only bounded", async () => {
    const huge = "X".repeat(2_000_000);
    const { send, outcomes } = setup(GKE_ENTRY, {
      answer: { networkConfig: { datapathProvider: huge }, networkPolicy: { enabled: huge } },
    });
    await send(shell());
    const [outcome] = outcomes();
    expect(outcome?.details.enforced).toBe(false);
    expect(JSON.stringify(outcome).length).toBeLessThan(20_000);
    expect(JSON.stringify(outcome)).not.toContain("XXXX");
  });

  it("a dry run says it too", async () => {
    const { send, outcomes } = setup(GKE_ENTRY, { networkPolicies: "none" }, { dryRun: true });
    await send(shell());
    const [outcome] = outcomes();
    expect(outcome).toMatchObject({ result: "dry-run", details: { enforced: false } });
    expect(outcome?.reason).toMatch(
      /WARNING: traffic NOT cut off, cluster local does not enforce NetworkPolicies/,
    );
  });
});
