// The isolator's own reading of the cluster map and the GKE API endpoint, for its NetworkPolicy
// enforcement lookup: the kit validates these variables at start-up (the descriptor's env) but hands
// them to the cluster registry only, and an action's context carries no GKE answer.
import {
  createNetworkPolicyEnforcementLookup,
  kubernetesActionerEnv,
  type NetworkPolicyEnforcementLookup,
} from "@riposte/actioner-kit";
import { createLedger, type Ledger, LedgerEnv, ledgerFromConfig } from "@riposte/ledger";
import { type Env, loadConfig } from "@riposte/service-kit";
import { z } from "zod";

const enforcementEnv = z.object({
  CLUSTERS: kubernetesActionerEnv.CLUSTERS,
  GKE_API_ENDPOINT: kubernetesActionerEnv.GKE_API_ENDPOINT,
  RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT: kubernetesActionerEnv.RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT,
});

/** The lookup over CLUSTERS, through GKE_API_ENDPOINT (checked as the registry checks it). Throws when unreadable. */
export function enforcementLookupFromEnv(env: Env = process.env): NetworkPolicyEnforcementLookup {
  const config = loadConfig(enforcementEnv, env);
  return createNetworkPolicyEnforcementLookup(config.CLUSTERS, {
    ...(config.GKE_API_ENDPOINT ? { gkeApiEndpoint: config.GKE_API_ENDPOINT } : {}),
    testOnlyAnyGkeApiEndpoint: config.RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT,
  });
}

/** What the isolator keeps of quarantine leases (leases.ts). */
export type QuarantineLeases = Pick<
  Ledger,
  "recordQuarantineLease" | "keepQuarantineLease" | "claimExpiredQuarantineLeases" | "finishQuarantineRelease"
>;

/**
 * The quarantine leases in the ledger the service's LEDGER_* variables name (checked at start-up by the
 * kit, which opens its own client for the limits and the timeline), opened on first use: never at
 * import, which tests and the deploy tools do.
 */
export function leasesFromEnv(env: Env = process.env): QuarantineLeases {
  let ledger: Ledger | undefined;
  const open = (): Ledger => {
    ledger ??= createLedger(ledgerFromConfig(loadConfig(z.object(LedgerEnv), env)));
    return ledger;
  };
  return {
    recordQuarantineLease: (lease) => open().recordQuarantineLease(lease),
    keepQuarantineLease: (pod, until, incident) => open().keepQuarantineLease(pod, until, incident),
    claimExpiredQuarantineLeases: (options) => open().claimExpiredQuarantineLeases(options),
    finishQuarantineRelease: (claim, audit) => open().finishQuarantineRelease(claim, audit),
  };
}
