// The tainter's pod policy end to end: a playbook that taints the node of any Critical container
// alert; Falco alerts (each with its hostname, as every syscall alert has) through the router and the
// tainter as processes on the real emulator; the simulated cluster enforcing the tainter's generated
// RBAC; the node read back from the cluster.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Node } from "@kubernetes/client-node";
import type { ActionOutcome } from "@riposte/contracts";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { freshAlert } from "./alerts.js";
import { type Pipeline, startPipeline } from "./harness.js";

const NODE = "gke-prod-default-pool-3f1c2a9e-7xkq";
const TAINT = "riposte.dev/compromised";
const PLAYBOOKS = `playbooks:
  - name: taint-on-critical-container
    match:
      priority: ">= Critical"
      target: container
    actions:
      - action: taint-node
        params:
          effect: NoSchedule
`;

let sim: SimCluster;
let pipeline: Pipeline;
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "riposte-safety-tainter-"));
  const playbooksFile = join(workDir, "playbooks.yaml");
  writeFileSync(playbooksFile, PLAYBOOKS);
  sim = await startSim({
    seed: demoSeed(),
    rbac: [readFileSync(new URL("../../infra/k8s/rbac/tainter.yaml", import.meta.url), "utf8")],
    tokens: { "token-tainter": "riposte-tainter@PROJECT_ID.iam.gserviceaccount.com" },
    anonymous: "deny",
  });
  pipeline = await startPipeline({
    emulatorHost: inject("pubsubEmulatorHost"),
    services: ["router", "tainter"],
    env: {
      router: { PLAYBOOKS_FILE: playbooksFile },
      tainter: { CLUSTERS: JSON.stringify({ local: { server: sim.url, token: "token-tainter" } }) },
    },
  });
}, 90_000);

afterAll(async () => {
  await pipeline?.stop();
  await sim?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

beforeEach(() => sim.reset());

async function tainterOutcome(incident: string): Promise<ActionOutcome | undefined> {
  const outcomes = await pipeline.tapped("action-outcomes", incident, { count: 1, timeoutMs: 20_000 });
  return outcomes.map((message) => message.json<ActionOutcome>()).find((o) => o.action === "taint-node");
}

const taintsOf = (name: string) =>
  ((sim.get({ kind: "Node", name }) as V1Node).spec?.taints ?? []).filter((t) => t.key === TAINT);

describe("tainter pod policy end to end", { timeout: 60_000 }, () => {
  it("a Critical alert from a DaemonSet pod (node-exporter), with its hostname: refused, the node untainted", async () => {
    const alert = freshAlert("informational.json", { top: { priority: "Critical" } });
    expect(JSON.parse(alert.json).hostname).toBe(NODE);
    await pipeline.sendAlert(alert.json);
    expect(await tainterOutcome(alert.incident)).toMatchObject({
      result: "refused",
      reason: expect.stringMatching(/monitoring\/node-exporter-8xk2l: owned by DaemonSet node-exporter/),
    });
    expect(taintsOf(NODE)).toEqual([]);
    expect(sim.requests.filter((r) => r.resource === "nodes" && r.verb === "patch")).toEqual([]);
  });

  it("a Critical alert from an ordinary pod on the same node: the node is tainted", async () => {
    const alert = freshAlert("modern-terminal-shell.json", { top: { priority: "Critical" } });
    await pipeline.sendAlert(alert.json);
    expect(await tainterOutcome(alert.incident)).toMatchObject({
      result: "done",
      details: expect.objectContaining({ pod: "shop/web-7d9f8c6b5-abcde" }),
    });
    expect(taintsOf(NODE)).toEqual([{ key: TAINT, value: alert.incident, effect: "NoSchedule" }]);
  });
});
