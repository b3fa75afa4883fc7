// Fifty playbooks for the router benchmarks: the five shipped defaults (the Critical kill at once: the
// benchmark measures alert → kill and runs no capture) plus forty-five of the kinds a
// large installation writes (per-team namespaces, rule globs, MITRE tags, output-field conditions,
// per-cluster), most of which do not match the benchmark alert, as in real life, and a few that do.
import { defaultsWithKillAtOnce } from "@riposte/router/testing";

const TEAM_PLAYBOOK_KINDS = [
  (i: number) => `  - name: team-${i}-shells
    match:
      namespaces: { include: ["team-${i}-*"], exclude: ["team-${i}-sandbox"] }
      rules: ["*shell*", "Drop and execute*"]
      priority: ">= Warning"
    actions: [isolate-pod, notify]`,
  (i: number) => `  - name: team-${i}-sensitive-files
    match:
      rules: ["Read sensitive file*", "Write below etc*", "Modify binary dirs ${i}"]
      priority: ">= Notice"
    actions: [notify]`,
  (i: number) => `  - name: team-${i}-credential-access
    match:
      tags: { any_of: ["mitre_credential_access", "T1552.${i}"] }
      priority: ">= Error"
    actions: [notify, export-finding]`,
  (i: number) => `  - name: team-${i}-network-tools
    match:
      output_fields:
        proc.name: { in: [nc, ncat, socat, nmap, "tool-${i}"] }
        container.image.repository: { glob: "*/team-${i}/*" }
    actions:
      - action: kill-pod
        params: { grace_period_seconds: 0 }`,
  (i: number) => `  - name: cluster-prod-${i}
    match:
      cluster: ["prod-eu-${i}", "prod-us-${i}"]
      target: container
      priority: ">= Critical"
    actions: [kill-pod, notify]`,
];

/** Playbooks that do match the benchmark alert (namespace jobs, Critical, in a container). */
const MATCHING = [
  `  - name: batch-jobs-critical
    match:
      namespaces: { include: ["jobs", "batch-*"] }
      priority: ">= Error"
      target: container
    actions: [notify, export-finding]`,
  `  - name: miners
    match:
      rules: ["Drop and execute new binary in container", "*miner*"]
      output_fields:
        proc.name: { glob: "xm*" }
    actions:
      - action: kill-pod
        params: { grace_period_seconds: 0 }`,
];

export function fiftyPlaybooksYaml(): string {
  const generated: string[] = [];
  for (let i = 0; generated.length < 45 - MATCHING.length; i++) {
    generated.push((TEAM_PLAYBOOK_KINDS[i % TEAM_PLAYBOOK_KINDS.length] as (i: number) => string)(i));
  }
  // The matching ones sit among the others, not first: every playbook is evaluated.
  generated.splice(20, 0, MATCHING[0] as string);
  generated.push(MATCHING[1] as string);
  return `${defaultsWithKillAtOnce().trimEnd()}\n\n${generated.join("\n\n")}\n`;
}
