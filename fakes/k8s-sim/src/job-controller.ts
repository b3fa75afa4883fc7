// The job controller, reduced to what a test needs: each Job that starts is finished after a delay —
// Complete, or Failed when an outcome rule (name prefix, label selector) says so — by a status write
// that watches see, as `kubectl wait --for=condition=complete` expects.

import { jobFinished } from "./cluster-behaviour.js";
import { getNumber, getPath, isObject, type JsonObject, type KubeObject, metaOf, rfc3339 } from "./json.js";
import type { Registry } from "./registry.js";
import { resolveType } from "./resources.js";
import { matchesLabels, parseLabelSelector, SelectorParseError } from "./selectors.js";
import type { ObjectStore } from "./store.js";

export type JobOutcome = "Complete" | "Failed";

/** Jobs this rule matches (all given criteria; none = every Job) end with `outcome`. */
export interface JobOutcomeRule {
  namePrefix?: string;
  labelSelector?: string;
  namespace?: string;
  outcome: JobOutcome;
  /** Overrides the controller's delay for the Jobs it matches. */
  afterMs?: number;
}

export interface JobControllerOptions {
  /** How long a Job runs before the controller finishes it. Default 1,000 ms. */
  finishAfterMs?: number;
  /** Checked in order, first match wins; unmatched Jobs complete. */
  outcomes?: readonly JobOutcomeRule[];
}

export interface JobController {
  /** Adds a rule ahead of the configured ones (the latest a test adds wins); reset() drops it. */
  addRule(rule: JobOutcomeRule): void;
  /** After the store was restored: the configured rules only, timers for the Jobs still running. */
  reset(): void;
  stop(): void;
}

export class JobOutcomeRuleError extends Error {}

const JOB_STORAGE = "batch/jobs";

/** Checks a rule from an untyped source (the admin endpoint, options) and returns it typed. */
export function jobOutcomeRule(input: unknown): JobOutcomeRule {
  if (!isObject(input)) throw new JobOutcomeRuleError("a job outcome rule must be an object");
  const { namePrefix, labelSelector, namespace, outcome, afterMs } = input;
  if (outcome !== "Complete" && outcome !== "Failed") {
    throw new JobOutcomeRuleError('outcome must be "Complete" or "Failed"');
  }
  for (const [field, value] of Object.entries({ namePrefix, labelSelector, namespace })) {
    if (value !== undefined && typeof value !== "string")
      throw new JobOutcomeRuleError(`${field} must be a string`);
  }
  if (afterMs !== undefined && (typeof afterMs !== "number" || !Number.isFinite(afterMs) || afterMs < 0)) {
    throw new JobOutcomeRuleError("afterMs must be a number ≥ 0");
  }
  if (typeof labelSelector === "string") {
    try {
      parseLabelSelector(labelSelector);
    } catch (error) {
      if (error instanceof SelectorParseError)
        throw new JobOutcomeRuleError(`labelSelector: ${error.message}`);
      throw error;
    }
  }
  return {
    outcome,
    ...(typeof namePrefix === "string" ? { namePrefix } : {}),
    ...(typeof labelSelector === "string" ? { labelSelector } : {}),
    ...(typeof namespace === "string" ? { namespace } : {}),
    ...(typeof afterMs === "number" ? { afterMs } : {}),
  };
}

function matches(rule: JobOutcomeRule, job: KubeObject): boolean {
  const meta = metaOf(job);
  if (rule.namespace !== undefined && meta.namespace !== rule.namespace) return false;
  if (rule.namePrefix !== undefined && !(meta.name ?? "").startsWith(rule.namePrefix)) return false;
  if (
    rule.labelSelector !== undefined &&
    !matchesLabels(parseLabelSelector(rule.labelSelector), meta.labels)
  ) {
    return false;
  }
  return true;
}

function condition(type: string, reason: string, message: string, at: string): JsonObject {
  return { type, status: "True", lastProbeTime: at, lastTransitionTime: at, reason, message };
}

/** What the job controller of 1.32 writes when a Job ends (interim condition first, then the terminal one). */
function finalStatus(job: KubeObject, outcome: JobOutcome, at: string): JsonObject {
  const conditions = getPath(job, ["status", "conditions"]);
  const earlier = Array.isArray(conditions) ? conditions : [];
  if (outcome === "Complete") {
    const message = "Reached expected number of succeeded pods";
    return {
      active: null,
      ready: 0,
      succeeded: getNumber(job, ["spec", "completions"]) ?? 1,
      completionTime: at,
      conditions: [
        ...earlier,
        condition("SuccessCriteriaMet", "CompletionsReached", message, at),
        condition("Complete", "CompletionsReached", message, at),
      ],
    };
  }
  const message = "Job has reached the specified backoff limit";
  return {
    active: null,
    ready: 0,
    failed: (getNumber(job, ["spec", "backoffLimit"]) ?? 6) + 1,
    conditions: [
      ...earlier,
      condition("FailureTarget", "BackoffLimitExceeded", message, at),
      condition("Failed", "BackoffLimitExceeded", message, at),
    ],
  };
}

export function createJobController(deps: {
  store: ObjectStore;
  registry: Registry;
  now: () => Date;
  options?: JobControllerOptions;
}): JobController {
  const { store, registry, now } = deps;
  const jobType = resolveType({ kind: "Job", apiVersion: "batch/v1" });
  if (!jobType) throw new Error("the sim does not serve batch/v1 Jobs");
  const finishAfterMs = deps.options?.finishAfterMs ?? 1_000;
  const configured = (deps.options?.outcomes ?? []).map(jobOutcomeRule);
  let rules = [...configured];
  const timers = new Map<string, NodeJS.Timeout>();

  const ruleFor = (job: KubeObject) => rules.find((rule) => matches(rule, job));

  const finish = (uid: string, namespace: string, name: string) => {
    timers.delete(uid);
    const job = store.get(JOB_STORAGE, namespace, name);
    if (!job || metaOf(job).uid !== uid || jobFinished(job)) return;
    const outcome = ruleFor(job)?.outcome ?? "Complete";
    const status = finalStatus(job, outcome, rfc3339(now()));
    try {
      registry.patch(
        jobType,
        namespace,
        name,
        "application/merge-patch+json",
        { status },
        { subresource: "status" },
      );
    } catch {
      // The Job or its namespace went away meanwhile: nothing is left to finish.
    }
  };

  const schedule = (job: KubeObject) => {
    const { uid, namespace = "", name = "" } = metaOf(job);
    if (!uid || timers.has(uid) || jobFinished(job) || getPath(job, ["spec", "suspend"]) === true) return;
    const delay = ruleFor(job)?.afterMs ?? finishAfterMs;
    const timer = setTimeout(() => finish(uid, namespace, name), delay);
    timer.unref();
    timers.set(uid, timer);
  };

  const cancelAll = () => {
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
  };

  const unsubscribe = store.subscribe((event) => {
    if (event.storage !== JOB_STORAGE) return;
    const uid = metaOf(event.object).uid ?? "";
    if (event.type === "DELETED") {
      clearTimeout(timers.get(uid));
      timers.delete(uid);
    } else {
      schedule(event.object);
    }
  });

  return {
    addRule(rule) {
      rules.unshift(jobOutcomeRule(rule));
    },
    reset() {
      cancelAll();
      rules = [...configured];
      for (const job of store.list(JOB_STORAGE)) schedule(job);
    },
    stop() {
      cancelAll();
      unsubscribe();
    },
  };
}
