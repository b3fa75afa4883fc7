// The shipped playbooks with the Critical kill at once, for tests, the chaos storm and the benchmark,
// which measure one actioner rather than the chain. The default playbook isolates, captures and then
// kills (waiting for the capture up to 60 s); where capture does not run, the kill would only wait.
import { DEFAULT_PLAYBOOKS_YAML } from "../playbooks/default-playbooks.js";

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
    throw new Error(
      "the default playbooks' Critical chain changed: update services/router/src/testing/playbooks.ts",
    );
  return DEFAULT_PLAYBOOKS_YAML.replace(CHAIN, KILL_AT_ONCE);
}
