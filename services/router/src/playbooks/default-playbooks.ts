// The playbooks Riposte ships: what a user expects out of the box. Kept as text (not a file read at
// run time) so the bundled service carries it. examples/playbook-tests/default/playbooks.yaml is a
// copy to start from (a test keeps the two equal).
export const DEFAULT_PLAYBOOKS_YAML = `# Riposte default playbooks. Evaluated in order; see the README for how matching playbooks combine.
playbooks:
  # Falco's own alerts (dropped syscall events, …) are about Falco, not a workload: tell people only.
  - name: falco-internal
    match:
      source: internal
    actions:
      - notify
    continue: false

  - name: notify-and-record
    description: Every alert of priority Warning or above is announced and recorded in SCC.
    match:
      priority: ">= Warning"
    actions:
      - notify
      - export-finding

  - name: isolate-interactive-access
    description: A shell or API-server access from a container is cut off the network for forensics.
    match:
      rules:
        - Terminal shell in container
        - Contact K8S API Server From Container
      priority: ">= Notice"
    actions:
      - isolate-pod
      - notify

  # Evidence before the kill: the pod is cut off the network, its evidence kept, then it is deleted —
  # at the latest 60 s after the alert, whatever the capture did (a hung capture never saves the pod).
  - name: kill-critical-workload
    description: Critical alerts in a container isolate the pod, keep its evidence, then kill it.
    match:
      priority: ">= Critical"
      target: container
    actions:
      - isolate-pod
      - action: capture
        after: isolate-pod
      - action: kill-pod
        after: capture
        wait: 60s
        params:
          grace_period_seconds: 0

  - name: taint-compromised-node
    description: Critical alerts on the node itself keep new workloads off it.
    match:
      priority: ">= Critical"
      target: host
    actions:
      - action: taint-node
        params:
          effect: NoSchedule
`;
