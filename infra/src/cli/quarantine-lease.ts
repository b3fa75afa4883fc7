// Quarantine leases from the CLI: `riposte quarantine extend` renews a pod's lease in the incident
// ledger; `riposte release` ends it with who and why (recordRelease). The lease is found by the pod's
// uid, read from the cluster: a pod replaced under the same name has none of its predecessor's.
import { durationMs, quarantineTtlProblem } from "@riposte/contracts";
import type { Ledger, QuarantineLease } from "@riposte/ledger";
import { type Command, parseCommandArgs, UsageError } from "./command.js";
import { readCliEnv } from "./config.js";
import { openLedgerTarget } from "./ledger-target.js";
import { clusterClientsOf, operatorName, reasonOf, UNDO_OPTIONS } from "./operator-undo.js";

export const LEASE_OPTIONS = { cluster: { type: "string" } } as const;

export const LEASE_USAGE = `  --cluster NAME  only the lease of the cluster the isolator calls NAME (its CLUSTERS key); needed
                  only if the pod's uid has leases in two clusters`;

/** The pod's leases in the ledger, by its uid; those of --cluster when it is given. */
async function leasesOf(
  ledger: Ledger,
  podUid: string,
  cluster: string | undefined,
): Promise<QuarantineLease[]> {
  const leases = await ledger.quarantineLeasesOfPod(podUid);
  return cluster === undefined ? leases : leases.filter((lease) => lease.cluster === cluster);
}

const extendUsage = `Usage: riposte quarantine extend POD -n NAMESPACE --ttl DURATION [--reason TEXT] [--cluster NAME] [--project P] [--server URL [--token T] | --context NAME]

Renews the quarantine lease of a pod the isolator isolated with a ttl: it is released DURATION from now
(1m to 30d, e.g. 12h) instead of when it was due. Exit 1 when the pod has no lease (isolated without a
ttl, or not by Riposte) or it is already being released. --reason is optional (default: "extended").

${LEASE_USAGE}
  --project P     the ledger of project P (default: the running \`riposte dev\`'s, or FIRESTORE_EMULATOR_HOST)`;

async function extend(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({ usage: extendUsage }, args, {
    namespace: { type: "string", short: "n" },
    ttl: { type: "string" },
    ...UNDO_OPTIONS,
    ...LEASE_OPTIONS,
  });
  if (values.help) {
    console.log(extendUsage);
    return 0;
  }
  const [name] = positionals;
  const { namespace, ttl } = values;
  if (!name || !namespace) throw new UsageError(`name the pod and its namespace\n\n${extendUsage}`);
  if (ttl === undefined) throw new UsageError("--ttl is required, e.g. --ttl 12h");
  const problem = quarantineTtlProblem(ttl, "--ttl");
  if (problem) throw new UsageError(problem);
  const reason = values.reason === undefined ? "extended" : reasonOf(values);
  const clients = await clusterClientsOf(values);
  const current = await clients.core.readNamespacedPod({ name, namespace });
  const target = await openLedgerTarget(readCliEnv(), values.project);
  try {
    const expiresAt = new Date(Date.now() + (durationMs(ttl) as number));
    const leases = await leasesOf(target.ledger, current.metadata?.uid ?? "", values.cluster);
    if (leases.length > 1)
      throw new UsageError(
        `pod ${namespace}/${name} has leases in clusters ${leases.map((lease) => lease.cluster).join(", ")}: pass --cluster`,
      );
    const [found] = leases;
    const result = found
      ? await target.ledger.extendQuarantineLease(found, expiresAt, { by: operatorName(), reason })
      : ({ outcome: "none" } as const);
    const which = `pod ${namespace}/${name}${values.cluster ? ` (cluster ${values.cluster})` : ""}`;
    if (result.outcome === "none") {
      console.error(
        `riposte quarantine extend: no quarantine lease on ${which} in the ledger (${target.describe}): isolated without a ttl, or not by Riposte; nothing changed`,
      );
      return 1;
    }
    if (result.outcome !== "extended") {
      console.error(
        `riposte quarantine extend: the lease on ${which} is ${result.outcome} (incident ${result.lease.incident}): too late to extend; isolate it again`,
      );
      return 1;
    }
    console.log(
      `quarantine of pod ${namespace}/${name} (incident ${result.lease.incident}) extended until ${expiresAt.toISOString()}`,
    );
    return 0;
  } finally {
    await target.close();
  }
}

/** `riposte quarantine extend …`: the quarantine command hands its `extend` here. */
export const quarantineExtendCommand: Pick<Command, "run" | "usage"> = { usage: extendUsage, run: extend };

export interface ReleaseRecord {
  podUid: string;
  /** Only the lease of this cluster (--cluster). */
  cluster?: string | undefined;
  incident: string;
  /** What was done, for the incident's timeline. */
  summary: string;
  by: string;
  reason: string;
}

/**
 * An operator's release in the ledger: the pod's lease (if any) released with who and why, and the
 * release-pod outcome on the incident's timeline. A line saying so, or throws saying it was not.
 */
export async function recordRelease(project: string | undefined, record: ReleaseRecord): Promise<string> {
  const target = await openLedgerTarget(readCliEnv(), project);
  try {
    const { by, reason } = record;
    let ended = 0;
    for (const lease of await leasesOf(target.ledger, record.podUid, record.cluster))
      if (await target.ledger.recordQuarantineRelease(lease, { by, reason })) ended += 1;
    await target.ledger.recordActionOutcome(record.incident, "release-pod", {
      service: "operator",
      result: "done",
      reason: `${record.summary} by ${by}: ${reason}`,
    });
    return `recorded in the ledger (${target.describe})${ended > 0 ? "; its quarantine lease ended" : ""}`;
  } catch (error) {
    throw new Error(
      `the cluster is changed, but the release could not be recorded in the ledger (${target.describe}): ${(error as Error).message.split("\n")[0]}`,
    );
  } finally {
    await target.close();
  }
}
