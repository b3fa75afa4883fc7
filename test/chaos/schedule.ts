// What goes wrong during the storm, and when: bursts of Kubernetes API errors, throttling and latency,
// Slack and SOAR webhooks answering 429 and 5xx, Security Command Center answering UNAVAILABLE, and
// service processes SIGKILLed and restarted. Events are placed at fractions of a cycle of alerts and
// the cycle repeats, so a longer storm gets the same chaos throughout. One fault lasts the whole run:
// a namespace whose pods answer 403 (its actions fail for good).
//
// Every other fault is transient and sized so that retries outlast it: the retry policy spans at
// least 10 minutes before a message dead-letters (in the emulator, up to 100 attempts about 1 s
// apart; see emulatorRedelivery in the harness). The longest are a service SIGKILLed and restarted
// (down ~20 s on a busy 2-core machine: starting a service takes most of it) and the 30 failed pod
// reads of the outage namespace (~20 s of 503s for the kills aimed there). So no command may
// dead-letter: the verdict allows 1 % (DEAD_LETTER_BUDGET) and the 1,000-alert test none.
import { status } from "@grpc/grpc-js";
import type { FaultSpec } from "@riposte/k8s-sim";
import type { SccFault, ScriptedResponse } from "@riposte/standins";
import { FORBIDDEN_NAMESPACE, OUTAGE_NAMESPACE } from "./scenario.js";

export type ChaosEvent =
  | { kind: "cluster-fault"; fault: FaultSpec }
  | { kind: "webhook"; destination: "slack" | "soar"; responses: ScriptedResponse[] }
  | { kind: "scc-fault"; fault: SccFault }
  | { kind: "sigkill"; service: string; downMs: number };

export interface ScheduledEvent {
  /** Fraction of a cycle (0–1) at which the event happens. */
  at: number;
  event: ChaosEvent;
}

/** Alerts per cycle of the schedule. */
export const CHAOS_CYCLE = 1_000;

/** `times` of a fault that lasts the whole run. */
export const FOREVER = 1_000_000_000;

/** Faults present from the first alert to the last. */
export const STANDING_FAULTS: readonly FaultSpec[] = [
  { namespace: FORBIDDEN_NAMESPACE, resource: "pods", verb: "get", status: 403, times: FOREVER },
];

/** Failed pod reads in the outage namespace per cycle: ~20 s of 503s for the first kills aimed there. */
export const OUTAGE_FAILED_READS = 30;

const slack429 = (times: number): ScriptedResponse[] =>
  Array.from({ length: times }, () => ({ status: 429, retryAfterSeconds: 1 }));
const http = (code: number, times: number): ScriptedResponse[] =>
  Array.from({ length: times }, () => ({ status: code }));

export const DEFAULT_SCHEDULE: readonly ScheduledEvent[] = [
  {
    at: 0,
    event: {
      kind: "cluster-fault",
      fault: {
        namespace: OUTAGE_NAMESPACE,
        resource: "pods",
        verb: "get",
        status: 503,
        times: OUTAGE_FAILED_READS,
      },
    },
  },
  // From the first alert: 3 taints a cycle pass the blast-radius limit, all within the first 60 alerts
  // of the seeded storm; a later fault would meet only refused taints and never be answered.
  {
    at: 0,
    event: { kind: "cluster-fault", fault: { resource: "nodes", verb: "patch", status: 500, times: 3 } },
  },
  {
    at: 0.05,
    event: { kind: "cluster-fault", fault: { resource: "pods", verb: "delete", status: 500, times: 6 } },
  },
  {
    at: 0.1,
    event: {
      kind: "cluster-fault",
      fault: { resource: "pods", verb: "get", status: 429, retryAfterSeconds: 1, times: 6 },
    },
  },
  { at: 0.15, event: { kind: "webhook", destination: "slack", responses: slack429(3) } },
  {
    at: 0.2,
    event: { kind: "scc-fault", fault: { method: "UpdateFinding", code: status.UNAVAILABLE, times: 10 } },
  },
  {
    at: 0.25,
    event: { kind: "cluster-fault", fault: { resource: "pods", verb: "get", latencyMs: 1_500, times: 4 } },
  },
  { at: 0.3, event: { kind: "sigkill", service: "pod-killer", downMs: 1_000 } },
  { at: 0.4, event: { kind: "webhook", destination: "slack", responses: http(500, 8) } },
  {
    at: 0.45,
    event: {
      kind: "cluster-fault",
      fault: { resource: "networkpolicies", verb: "create", status: 503, times: 3 },
    },
  },
  {
    at: 0.47,
    event: {
      kind: "cluster-fault",
      fault: { resource: "pods", verb: "patch", status: 429, retryAfterSeconds: 1, times: 4 },
    },
  },
  { at: 0.5, event: { kind: "sigkill", service: "router", downMs: 500 } },
  {
    at: 0.6,
    event: {
      kind: "scc-fault",
      fault: { method: "UpdateFinding", code: status.UNAVAILABLE, times: 5, when: "after" },
    },
  },
  { at: 0.65, event: { kind: "webhook", destination: "soar", responses: http(503, 6) } },
  { at: 0.7, event: { kind: "sigkill", service: "notifier", downMs: 1_000 } },
  {
    at: 0.75,
    event: { kind: "cluster-fault", fault: { resource: "pods", verb: "list", status: 500, times: 4 } },
  },
  {
    at: 0.8,
    event: { kind: "webhook", destination: "slack", responses: [...slack429(2), ...http(502, 5)] },
  },
  { at: 0.85, event: { kind: "sigkill", service: "isolator", downMs: 500 } },
  {
    at: 0.9,
    event: { kind: "cluster-fault", fault: { resource: "pods", verb: "delete", latencyMs: 2_000, times: 3 } },
  },
  {
    at: 0.92,
    event: { kind: "scc-fault", fault: { method: "UpdateFinding", code: status.UNAVAILABLE, times: 10 } },
  },
];

/** The event due at each alert index of a storm of `alerts` alerts (the schedule repeated per cycle). */
export function eventsByAlertIndex(
  alerts: number,
  schedule: readonly ScheduledEvent[] = DEFAULT_SCHEDULE,
): Map<number, ChaosEvent[]> {
  const due = new Map<number, ChaosEvent[]>();
  const cycle = Math.min(CHAOS_CYCLE, alerts);
  for (let start = 0; start < alerts; start += cycle) {
    for (const { at, event } of schedule) {
      const index = start + Math.floor(at * cycle);
      if (index >= alerts) continue;
      due.set(index, [...(due.get(index) ?? []), event]);
    }
  }
  return due;
}

export function describeEvent(event: ChaosEvent): string {
  switch (event.kind) {
    case "cluster-fault": {
      const f = event.fault;
      const what = f.status
        ? `${f.status}`
        : f.latencyMs
          ? `${f.latencyMs} ms latency`
          : "dropped connection";
      const where = f.namespace ? ` in ${f.namespace}` : "";
      return `cluster: ${what} on ${f.verb ?? "any verb"} ${f.resource ?? "any resource"}${where} ×${f.times}`;
    }
    case "webhook":
      return `${event.destination}: ${event.responses.map((r) => r.status).join(",")}`;
    case "scc-fault":
      return `SCC: ${status[event.fault.code]} on ${event.fault.method ?? "any method"} ×${event.fault.times ?? 1}${event.fault.when === "after" ? " (after writing)" : ""}`;
    case "sigkill":
      return `SIGKILL ${event.service}, restarted after ${event.downMs} ms`;
  }
}
