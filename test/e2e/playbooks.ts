// Playbooks for end-to-end tests about one actioner rather than the chain: the shipped defaults with
// the Critical kill at once. The default playbook isolates, captures and then kills (waiting for the
// capture up to 60 s); a test of the kill alone would otherwise run isolator and capture too, or wait.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_PLAYBOOKS_YAML } from "@riposte/router";

const CHAIN = `    actions:
      - isolate-pod
      - action: capture
        after: isolate-pod
      - action: kill-pod
        after: capture
        wait: 60s
        params:
          grace_period_seconds: 0
`;
const KILL_AT_ONCE = `    actions:
      - action: kill-pod
        params:
          grace_period_seconds: 0
`;

/** The default playbooks with kill-critical-workload's chain replaced by the kill alone. */
export function defaultsWithKillAtOnce(): string {
  if (!DEFAULT_PLAYBOOKS_YAML.includes(CHAIN))
    throw new Error("the default playbooks' Critical chain changed: update test/e2e/playbooks.ts");
  return DEFAULT_PLAYBOOKS_YAML.replace(CHAIN, KILL_AT_ONCE);
}

/** A file of them, for the router's PLAYBOOKS_FILE. */
export function killAtOncePlaybooksFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), "riposte-e2e-playbooks-")), "playbooks.yaml");
  writeFileSync(file, defaultsWithKillAtOnce());
  return file;
}
