// The router's trial playbooks end to end: a live playbook tainting the node NoSchedule and a trial
// (dry-run) playbook asking for NoExecute and a cordon, both matching one Critical alert; the router
// and the tainter as processes on the real emulator, the simulated cluster enforcing the tainter's
// generated RBAC; the node read back from the cluster. The playbook file is given as a relative path,
// as an operator types it next to `npm start` (npm passes the directory on as INIT_CWD).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Node } from "@kubernetes/client-node";
import type { ActionOutcome, TaintNodeCommand } from "@riposte/contracts";
import { demoSeed, type SimCluster, startSim } from "@riposte/k8s-sim";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshAlert } from "./alerts.js";
import { type Pipeline, startPipeline } from "./harness.js";

const NODE = "gke-prod-default-pool-3f1c2a9e-7xkq";
const TAINT = "riposte.dev/compromised";
const PLAYBOOKS = `playbooks:
  - name: trial-evict
    dry_run: true
    match: { priority: ">= Critical", target: container }
    actions:
      - action: taint-node
        params: { effect: NoExecute, cordon: true }
  - name: live-taint
    match: { priority: ">= Critical", target: container }
    actions:
      - action: taint-node
        params: { effect: NoSchedule }
`;

let sim: SimCluster;
let pipeline: Pipeline;
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "riposte-safety-router-"));
  writeFileSync(join(workDir, "playbooks.yaml"), PLAYBOOKS);
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
      // Relative: the router process runs in services/router, the operator was in workDir.
      router: { PLAYBOOKS_FILE: "playbooks.yaml", INIT_CWD: workDir },
      tainter: { CLUSTERS: JSON.stringify({ local: { server: sim.url, token: "token-tainter" } }) },
    },
  });
}, 90_000);

afterAll(async () => {
  await pipeline?.stop();
  await sim?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("a trial playbook never changes a live action, end to end", { timeout: 60_000 }, () => {
  it("live NoSchedule + trial NoExecute and cordon: the node gets NoSchedule only and stays schedulable", async () => {
    const alert = freshAlert("modern-terminal-shell.json", { top: { priority: "Critical" } });
    await pipeline.sendAlert(alert.json);

    const [command] = await pipeline.tapped("tainter", alert.incident, { count: 1, timeoutMs: 20_000 });
    expect(command?.json<TaintNodeCommand>()).toMatchObject({
      dryRun: false,
      params: { effect: "NoSchedule", cordon: false },
      playbooks: ["trial-evict", "live-taint"],
      trialPlaybooks: ["trial-evict"],
    });
    const outcomes = await pipeline.tapped("action-outcomes", alert.incident, {
      count: 1,
      timeoutMs: 20_000,
    });
    expect(outcomes.map((message) => message.json<ActionOutcome>())).toEqual([
      expect.objectContaining({ action: "taint-node", result: "done" }),
    ]);

    const node = sim.get({ kind: "Node", name: NODE }) as V1Node;
    expect((node.spec?.taints ?? []).filter((taint) => taint.key === TAINT)).toEqual([
      { key: TAINT, value: alert.incident, effect: "NoSchedule" },
    ]);
    expect(node.spec?.unschedulable ?? false).toBe(false);
  });
});
