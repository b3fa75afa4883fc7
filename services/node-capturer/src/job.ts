// The capture Job: one per incident, in Riposte's namespace, pinned to the alert's node. Its init
// container records the alert's container with sysdig for the playbook's duration; its main container
// then uploads the file to the evidence bucket with the Job's own Google identity (Workload Identity),
// never overwriting an object. Every value from the alert is validated before it gets here, and each
// is one argv element: nothing runs through a shell.
import type { V1Job } from "@kubernetes/client-node";
import type { CommandOf } from "@riposte/contracts";

/** The Kubernetes service account the Job runs as (declared in the descriptor's workloadIdentities). */
export const NODE_CAPTURE_SERVICE_ACCOUNT = "riposte-node-capture";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const INCIDENT_LABEL = "riposte.dev/incident";
/** Marks the Jobs this service creates (the scheduled call lists them). */
export const COMPONENT_LABEL = "app.kubernetes.io/component";
export const COMPONENT = "node-capture";
/** The capture file's name, in the Job and under the incident's evidence prefix. */
export const CAPTURE_FILE = "node-capture.scap";
const CAPTURE_DIR = "/capture";
/** The Job may run past the capture's duration this long (image pulls, the upload). */
export const JOB_SLACK_SECONDS = 300;
/** A finished Job is kept this long for `kubectl describe`, then removed by the TTL controller. */
export const JOB_TTL_SECONDS = 3_600;

/** A container id as the capture filter takes it: Falco's short form, 12 lowercase hex digits. */
const CONTAINER_ID = /^(?:[0-9a-f]{12}|[0-9a-f]{64})$/;

export function isCaptureContainerId(value: string): boolean {
  return CONTAINER_ID.test(value);
}

/** `riposte-node-capture-<incident>`: the same for every delivery of the incident's command (53 characters). */
export function nodeCaptureJobName(incident: string): string {
  return `riposte-node-capture-${incident}`;
}

export interface NodeCaptureJobSpec {
  name: string;
  namespace: string;
  incident: string;
  node: string;
  /** 12 or 64 lowercase hex digits (checked again here). */
  containerId: string;
  /** gs://BUCKET/PREFIX/node-capture.scap */
  destination: string;
  params: CommandOf<"capture-node">["params"];
}

/** The sysdig argv: record the alert's container only, for the duration, into the shared volume. */
export function captureCommand(spec: Pick<NodeCaptureJobSpec, "containerId" | "params">): string[] {
  if (!isCaptureContainerId(spec.containerId))
    throw new TypeError("the container id is not 12 or 64 lowercase hex digits");
  return [
    "sysdig",
    // The modern eBPF probe is in the binary: no kernel module or headers to install on the node.
    "--modern-bpf",
    "-M",
    String(spec.params.durationSeconds),
    "-w",
    `${CAPTURE_DIR}/${CAPTURE_FILE}`,
    `container.id=${spec.containerId.slice(0, 12)}`,
  ];
}

/** The uploader's argv: create the object once (a redelivered Job's upload fails, never overwrites). */
export function uploadCommand(destination: string): string[] {
  return [
    "gcloud",
    "storage",
    "cp",
    "--if-generation-match=0",
    `${CAPTURE_DIR}/${CAPTURE_FILE}`,
    destination,
  ];
}

export function nodeCaptureJob(spec: NodeCaptureJobSpec): V1Job {
  const { params } = spec;
  const labels = {
    [MANAGED_BY_LABEL]: "riposte",
    [COMPONENT_LABEL]: COMPONENT,
    [INCIDENT_LABEL]: spec.incident,
  };
  const resources = {
    limits: { cpu: params.cpu, memory: params.memory },
    requests: { cpu: params.cpu, memory: params.memory },
  };
  const volumeMounts = [{ name: "capture", mountPath: CAPTURE_DIR }];
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: spec.name, namespace: spec.namespace, labels },
    spec: {
      // One try: a second capture would record a different time window.
      backoffLimit: 0,
      activeDeadlineSeconds: params.durationSeconds + JOB_SLACK_SECONDS,
      ttlSecondsAfterFinished: JOB_TTL_SECONDS,
      template: {
        metadata: { labels },
        spec: {
          nodeName: spec.node,
          // The node may be tainted (by Riposte's taint-node too): the capture must run there anyway.
          tolerations: [{ operator: "Exists" }],
          // sysdig sees the node's processes, and their containers, only from the host's PID namespace.
          hostPID: true,
          serviceAccountName: NODE_CAPTURE_SERVICE_ACCOUNT,
          restartPolicy: "Never",
          initContainers: [
            {
              name: "capture",
              image: params.image,
              command: captureCommand(spec),
              // Loading the eBPF probe needs the node's kernel privileges.
              securityContext: { privileged: true },
              resources,
              volumeMounts,
            },
          ],
          containers: [
            {
              name: "upload",
              image: params.uploaderImage,
              command: uploadCommand(spec.destination),
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false },
              resources,
              volumeMounts,
            },
          ],
          volumes: [{ name: "capture", emptyDir: { sizeLimit: "2Gi" } }],
        },
      },
    },
  };
}
