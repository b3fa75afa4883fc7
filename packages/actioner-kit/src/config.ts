// The environment every Kubernetes actioner reads (spread into its descriptor's env schema), and the
// checks across variables that one field's schema cannot make.

import { LedgerEnv } from "@riposte/ledger";
import { ConfigError, envBoolean, envList, sensitive } from "@riposte/service-kit";
import { type ClusterMap, clustersSchema } from "@riposte/service-kit/gcp";
import { z } from "zod";
import { gkeApiEndpointProblem } from "./cluster.js";
import type { LimitRule } from "./limits.js";
import { DEFAULT_PROTECTED_NAMESPACES, globMatches, type SafetyPolicy } from "./policy.js";

/** A namespace name (a DNS label) with `*` allowed anywhere: `payments`, `team-*`, `*`. */
const NAMESPACE_GLOB = /^[a-z0-9*]([-a-z0-9*]{0,61}[a-z0-9*])?$/;
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const namespaceGlobs = envList.superRefine((items, ctx) => {
  for (const item of items) {
    if (!NAMESPACE_GLOB.test(item))
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(item)} is not a namespace name or glob (lowercase letters, digits, "-" and "*", at most 63 characters)`,
      });
  }
});

/** One namespace name, trimmed: a stray space must not leave the namespace it meant unprotected. */
const namespaceName = z
  .string()
  .trim()
  .regex(NAMESPACE_NAME, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a namespace name (lowercase letters, digits and "-", at most 63 characters)`,
  });

const exactNamespaces = envList.superRefine((items, ctx) => {
  for (const item of items) {
    if (item.includes("*"))
      ctx.addIssue({ code: "custom", message: `${JSON.stringify(item)}: exact namespace names, not globs` });
    else if (!NAMESPACE_NAME.test(item))
      ctx.addIssue({ code: "custom", message: `${JSON.stringify(item)} is not a namespace name` });
  }
});

/** BLAST_RADIUS_LIMITS: JSON text → { limit name: max per window }. */
const blastRadiusLimits = z
  .string()
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: "custom", message: "expected a JSON object" });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string().min(1).max(100), z.int().min(1).max(500)));

export const kubernetesActionerEnv = {
  // Sensitive: a {"server"} entry may carry a bearer token.
  CLUSTERS: sensitive(
    clustersSchema.describe("JSON map of cluster names (as alerts spell them) to how to reach each cluster."),
  ),
  DRY_RUN: envBoolean.default(false).describe("plan every command and change nothing (outcome dry-run)"),
  PROTECTED_NAMESPACES: namespaceGlobs
    .optional()
    .describe(
      `More namespace globs never touched, on top of the defaults (${DEFAULT_PROTECTED_NAMESPACES.join(", ")}), which stay protected; \`*\` protects every namespace`,
    ),
  UNPROTECT_NAMESPACES: exactNamespaces
    .optional()
    .describe(
      "Exact namespace names taken out of the default protection (never Falco's or Riposte's, no globs); logged as a warning at start-up",
    ),
  FALCO_NAMESPACE: namespaceName
    .default("falco")
    .describe("Falco's namespace, always protected on top of PROTECTED_NAMESPACES"),
  RIPOSTE_NAMESPACE: namespaceName.default("riposte").describe("Riposte's own namespace, always protected"),
  ALLOW_DAEMONSET_PODS: envBoolean.default(false).describe("act on pods owned by a DaemonSet"),
  ALLOW_MIRROR_PODS: envBoolean.default(false).describe("act on static (mirror) pods"),
  KUBE_CALL_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe(
      "cap on each step's Kubernetes calls (cluster, plan, execute, Event), within the push deadline they all share (then 503 and redelivery)",
    ),
  GKE_API_ENDPOINT: z
    .url()
    .optional()
    .describe(
      "Where the GKE API lives: https://container.googleapis.com, the default (it receives Google credentials)",
    ),
  RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT: envBoolean
    .default(false)
    .describe("tests only: let GKE_API_ENDPOINT be any URL (a local fake); `riposte deploy plan` refuses it"),
  BLAST_RADIUS_LIMITS: blastRadiusLimits
    .optional()
    .describe(
      'JSON map of the action\'s limit names to their max per window, replacing the built-in max (e.g. {"pod kills per namespace": 2}); a name the action does not have stops the service at start-up',
    ),
  // The ledger's variables, as the ledger declares them (its README section says what they do here).
  ...LedgerEnv,
};

export interface KubernetesActionerConfig {
  CLUSTERS: ClusterMap;
  DRY_RUN: boolean;
  PROTECTED_NAMESPACES?: string[] | undefined;
  UNPROTECT_NAMESPACES?: string[] | undefined;
  FALCO_NAMESPACE: string;
  RIPOSTE_NAMESPACE: string;
  ALLOW_DAEMONSET_PODS: boolean;
  ALLOW_MIRROR_PODS: boolean;
  GKE_API_ENDPOINT?: string | undefined;
  RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT?: boolean | undefined;
  BLAST_RADIUS_LIMITS?: Record<string, number> | undefined;
}

/**
 * The limits in force: the action's, with BLAST_RADIUS_LIMITS's max for the names it gives. Throws a
 * ConfigError naming every unknown name (a typo would otherwise leave the built-in max in force).
 */
export function blastRadiusLimitsFrom(
  config: Pick<KubernetesActionerConfig, "BLAST_RADIUS_LIMITS">,
  rules: readonly LimitRule[],
): LimitRule[] {
  const overrides = config.BLAST_RADIUS_LIMITS ?? {};
  const known = new Set(rules.map((rule) => rule.name));
  const unknown = Object.keys(overrides).filter((name) => !known.has(name));
  if (unknown.length > 0)
    throw new ConfigError(
      unknown.map(
        (name) =>
          `BLAST_RADIUS_LIMITS: ${JSON.stringify(name)} is not a limit of this action (its limits: ${[...known].map((known) => JSON.stringify(known)).join(", ") || "none"})`,
      ),
    );
  return rules.map((rule) =>
    Object.hasOwn(overrides, rule.name) ? { ...rule, max: overrides[rule.name] as number } : rule,
  );
}

/** Why each UNPROTECT_NAMESPACES name cannot be taken out of protection (empty when all can). */
function unprotectProblems(config: KubernetesActionerConfig): string[] {
  const problems: string[] = [];
  for (const name of config.UNPROTECT_NAMESPACES ?? []) {
    const where = `UNPROTECT_NAMESPACES: ${name}`;
    if (name === config.FALCO_NAMESPACE) problems.push(`${where} is Falco's namespace, always protected`);
    else if (name === config.RIPOSTE_NAMESPACE)
      problems.push(`${where} is Riposte's own namespace, always protected`);
    else if (!DEFAULT_PROTECTED_NAMESPACES.some((glob) => globMatches(glob, name)))
      problems.push(`${where} is not protected by default; there is nothing to take out`);
    else {
      const also = config.PROTECTED_NAMESPACES?.find((glob) => globMatches(glob, name));
      if (also) problems.push(`${where} is also protected by PROTECTED_NAMESPACES ("${also}")`);
    }
  }
  return problems;
}

/**
 * The service's safety policy: the defaults, PROTECTED_NAMESPACES, Falco's and Riposte's namespaces
 * are all protected; UNPROTECT_NAMESPACES exempts exact names from the defaults only. Throws a
 * ConfigError naming each variable that asks for something unsafe.
 */
export function safetyPolicyFrom(config: KubernetesActionerConfig): SafetyPolicy {
  const problems = unprotectProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    protectedNamespaces: [
      ...new Set([
        ...DEFAULT_PROTECTED_NAMESPACES,
        ...(config.PROTECTED_NAMESPACES ?? []),
        config.FALCO_NAMESPACE,
        config.RIPOSTE_NAMESPACE,
      ]),
    ],
    unprotectedNamespaces: [...new Set(config.UNPROTECT_NAMESPACES ?? [])],
    allowDaemonSetPods: config.ALLOW_DAEMONSET_PODS,
    allowMirrorPods: config.ALLOW_MIRROR_PODS,
  };
}

function gkeApiEndpointProblems(config: KubernetesActionerConfig): string[] {
  const endpoint = config.GKE_API_ENDPOINT;
  if (endpoint === undefined || config.RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT) return [];
  const problem = gkeApiEndpointProblem(endpoint);
  if (!problem) return [];
  return [
    `GKE_API_ENDPOINT: ${JSON.stringify(endpoint)} ${problem}; it would receive Application Default Credentials (a local fake needs RIPOSTE_TEST_ONLY_GKE_API_ENDPOINT=true, for tests only)`,
  ];
}

/** Every check across variables at once, so an operator fixes them in one go. */
export function checkActionerConfig(config: KubernetesActionerConfig): void {
  const problems = [...unprotectProblems(config), ...gkeApiEndpointProblems(config)];
  if (problems.length > 0) throw new ConfigError(problems);
}

/** GKE_API_ENDPOINT when it may receive Google credentials; a ConfigError otherwise. */
export function gkeApiEndpointFrom(config: KubernetesActionerConfig): string | undefined {
  const problems = gkeApiEndpointProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config.GKE_API_ENDPOINT;
}
