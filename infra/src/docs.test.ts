import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ACTIONS } from "@riposte/contracts";
import { describe, expect, it } from "vitest";
import { actionNamesTable, actionParamsDocs, envDocs, redeliveryDocs, withGeneratedDocs } from "./docs.js";
import { loadServices, repoRoot } from "./services.js";

// Loading every descriptor imports each service's dependencies: slow on a busy machine.
describe("README configuration tables", { timeout: 60_000 }, () => {
  it("match the service descriptors (run `npx riposte docs` after changing an env schema or a runtime)", async () => {
    const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
    const descriptors = (await loadServices()).map((service) => service.descriptor);
    expect(withGeneratedDocs(readme, descriptors)).toBe(readme);
    const docs = envDocs(descriptors);
    expect(docs).toContain("| `CLUSTERS` | **required** |");
    expect(docs).toContain("| `DEDUP_WINDOW_SECONDS` | `60` |");
    expect(redeliveryDocs(descriptors)).toContain("| pod-killer | 1 s | 60 s | 25 | 1143 s (~19 min) |");
  });

  it("give every variable a meaning (a `.describe()` in its schema; a JSDoc comment does not reach the table)", async () => {
    const descriptors = (await loadServices()).map((service) => service.descriptor);
    const blank = envDocs(descriptors)
      .split("\n")
      .filter((line) => /^\| `\w+` \| .* \| {2}\|$/.test(line));
    expect(blank).toEqual([]);
  });
});

describe("README action params table", () => {
  it("lists every action's params as playbooks spell them, from the action catalogue", () => {
    const docs = actionParamsDocs();
    expect(docs).toContain("| `kill-pod` | `grace_period_seconds` | `0` |");
    expect(docs).toContain("| `isolate-pod` | `forensics_cidr` | optional |");
    expect(docs).toContain("| `taint-node` | `effect` | `NoSchedule` (or `NoExecute`) |");
    expect(docs).toContain("| `notify` | `destinations` | `[]` |");
    expect(docs).toContain("| `export-finding` | none | | |");
    for (const action of Object.keys(ACTIONS)) expect(docs).toContain(`| \`${action}\` |`);
  });
});

describe("docs/architecture.md names table", { timeout: 60_000 }, () => {
  it("is the action catalogue's (each action's name, command kind, service and Event reason)", async () => {
    const architecture = readFileSync(join(repoRoot(), "docs", "architecture.md"), "utf8");
    const descriptors = (await loadServices()).map((service) => service.descriptor);
    const table = actionNamesTable(descriptors);
    expect(table).toContain("| `kill-pod` | `KillPod` | `pod-killer` | `RiposteKillPod` |");
    expect(table).toContain("| `notify` | `Notify` | `notifier` | — |");
    expect(architecture).toContain(table);
  });
});
