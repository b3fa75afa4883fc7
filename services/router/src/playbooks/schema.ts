// The playbook file format, validated with zod. Keys are snake_case as operators write YAML; action
// params are checked against the same strict schemas the actioners decode commands with, so a playbook
// can never ask for something an actioner would refuse.
import {
  ACTION_NAMES,
  ACTIONS,
  type ActionName,
  durationMs,
  MAX_ACTION_WAIT_SECONDS,
  PRIORITIES,
  type Priority,
  parsePriority,
  snakeCase,
} from "@riposte/contracts";
import { z } from "zod";
import {
  actionApprovalSchema,
  fileApprovalProblems,
  heldWith,
  playbookApprovalProblems,
  playbookApprovalSchema,
} from "./approval.js";
import { matchesEveryAlert, selectingConditions } from "./match.js";

const text = z.string().min(1, "must not be empty");
/** One value or a list of them; always a list after parsing. */
const oneOrMany = z
  .union([text, z.array(text).min(1, "must list at least one value")])
  .transform((value) => (Array.isArray(value) ? value : [value]));

export const COMPARISONS = [">=", "<=", "!=", "==", ">", "<"] as const;
export type Comparison = (typeof COMPARISONS)[number];

/** `>= Critical`, `<Notice`, `== Warning` or a bare `Warning` (meaning ==). */
const priorityCondition = z.string().transform((value, ctx): { op: Comparison; priority: Priority } => {
  const match = value.trim().match(/^(>=|<=|!=|==|>|<)?\s*([A-Za-z]+)$/);
  const priority = match?.[2] ? parsePriority(match[2]) : undefined;
  if (!match || !priority) {
    ctx.addIssue({
      code: "custom",
      message: `invalid priority condition ${JSON.stringify(value)}; expected e.g. ">= Critical" with one of ${PRIORITIES.join(", ")}`,
    });
    return z.NEVER;
  }
  return { op: (match[1] as Comparison | undefined) ?? "==", priority };
});

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** A condition on one output field: a bare value means `equals`. */
const fieldCondition = z.union([
  scalar.transform((equals) => ({ equals })),
  z.strictObject({ equals: scalar }),
  z.strictObject({ glob: text }),
  z.strictObject({ in: z.array(scalar).min(1) }),
  z.strictObject({ exists: z.boolean() }),
]);
export type FieldCondition = z.output<typeof fieldCondition>;

const matchSchema = z.strictObject({
  /** The author's explicit "every alert": required for a destructive action with no condition. */
  any: z.literal(true, { error: "`any` can only be true (match every alert)" }).optional(),
  /** Rule names, exact or glob. */
  rules: oneOrMany.optional(),
  priority: priorityCondition.optional(),
  source: oneOrMany.optional(),
  tags: z
    .union([
      z
        .array(text)
        .min(1)
        .transform((any_of) => ({ any_of, all_of: undefined })),
      z.strictObject({ any_of: z.array(text).min(1).optional(), all_of: z.array(text).min(1).optional() }),
    ])
    .optional(),
  namespaces: z
    .strictObject({ include: z.array(text).min(1).optional(), exclude: z.array(text).min(1).optional() })
    .optional(),
  cluster: oneOrMany.optional(),
  /** `container`: the alert names a pod or a container (not `host`); `host`: the node itself. */
  target: z.enum(["container", "host", "any"]).optional(),
  output_fields: z.record(text, fieldCondition).optional(),
});
export type MatchSpec = z.output<typeof matchSchema>;

const safetySchema = z.strictObject({
  protected_namespaces: z.array(text).optional(),
  allow_daemonset_pods: z.boolean().optional(),
  allow_mirror_pods: z.boolean().optional(),
});

const actionName = z.enum(ACTION_NAMES, {
  error: (issue) =>
    `unknown action ${JSON.stringify(issue.input)}; expected one of ${ACTION_NAMES.join(", ")}`,
});

/** How long an action with `after` waits when the playbook gives no `wait`. */
export const DEFAULT_ACTION_WAIT_MS = 60_000;

/** `wait: 90s` → 90 000: from 1 s to the longest wait a command may carry. */
const waitSchema = z.string().transform((text, ctx) => {
  const ms = durationMs(text);
  if (ms === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `wait ${JSON.stringify(text.slice(0, 40))}: expected a whole number (at least 1) and a unit (s, m, h or d), e.g. 60s`,
    });
    return z.NEVER;
  }
  if (ms > MAX_ACTION_WAIT_SECONDS * 1_000) {
    ctx.addIssue({
      code: "custom",
      message: `wait ${text}: at most ${MAX_ACTION_WAIT_SECONDS}s (a waiting command spends its redeliveries, which a real outage needs)`,
    });
    return z.NEVER;
  }
  return ms;
});

const actionSchema = z
  // `- notify` is shorthand for `- action: notify`.
  .preprocess(
    (value) => (typeof value === "string" ? { action: value } : value),
    z.strictObject({
      action: actionName,
      params: z.record(z.string(), z.unknown()).default({}),
      /** An earlier action of this playbook that this one runs after (see `orderProblems`). */
      after: actionName.optional(),
      wait: waitSchema.optional(),
      /** Held until a person approves it (approval.ts); `false`: not held by the playbook's approval. */
      approval: actionApprovalSchema.optional(),
    }),
  )
  .transform((entry, ctx) => {
    if (entry.wait !== undefined && entry.after === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["wait"],
        message: "wait needs after: it bounds how long this action waits for an earlier one",
      });
      return z.NEVER;
    }
    // snake_case in YAML, camelCase in the command; errors are reported with the YAML spelling.
    const camel = Object.fromEntries(
      Object.entries(entry.params).map(([key, value]) => [snakeToCamel(key), value]),
    );
    const result = (ACTIONS[entry.action].params as z.ZodType).safeParse(camel);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const keys = issue.code === "unrecognized_keys" ? issue.keys.map(camelToSnake) : [];
        ctx.addIssue({
          code: "custom",
          path: [
            "params",
            ...issue.path.map((segment) => (typeof segment === "string" ? camelToSnake(segment) : segment)),
          ],
          message:
            keys.length > 0 ? `unknown param(s) ${keys.join(", ")} for ${entry.action}` : issue.message,
        });
      }
      return z.NEVER;
    }
    // Keep only what the author wrote: defaults are applied after merging playbooks.
    return {
      action: entry.action,
      params: camel,
      ...(entry.after ? { after: entry.after, waitMs: entry.wait ?? DEFAULT_ACTION_WAIT_MS } : {}),
      ...(entry.approval !== undefined ? { approval: entry.approval } : {}),
    };
  });

/**
 * `after` must name an action listed earlier in the same playbook (no cycle can be written), one whose
 * outcome the ledger records, on an action whose service waits for it (see the action catalogue).
 */
function orderProblems(actions: readonly z.output<typeof actionSchema>[], ctx: z.RefinementCtx): void {
  actions.forEach((entry, index) => {
    if (!entry.after) return;
    const path = ["actions", index, "after"];
    const earlier = actions.slice(0, index).map((other) => other.action);
    if (entry.after === entry.action) {
      ctx.addIssue({ code: "custom", path, message: `${entry.action} cannot wait for itself` });
    } else if (!ACTIONS[entry.action].waitsForOrder) {
      const waiting = ACTION_NAMES.filter((name) => ACTIONS[name].waitsForOrder);
      ctx.addIssue({
        code: "custom",
        path,
        message: `${entry.action} cannot wait for earlier actions (its service runs each command at once); after: is for ${waiting.join(", ")}`,
      });
    } else if (!earlier.includes(entry.after)) {
      ctx.addIssue({
        code: "custom",
        path,
        message: `after: ${entry.after} names no earlier action of this playbook (${earlier.length > 0 ? `listed before ${entry.action}: ${earlier.join(", ")}` : `${entry.action} is listed first`}); actions run after actions listed before them`,
      });
    } else if (!ACTIONS[entry.after].recordsOutcome) {
      ctx.addIssue({
        code: "custom",
        path,
        message: `after: ${entry.after}: ${entry.after} records no outcome an action could wait for`,
      });
    }
  });
}

/** Actions that take something away from a workload or node: never on every alert by accident. */
export const DESTRUCTIVE_ACTIONS: readonly ActionName[] = ["kill-pod", "isolate-pod", "taint-node"];

const playbookSchema = z
  .strictObject({
    name: text,
    description: z.string().optional(),
    match: matchSchema,
    actions: z.array(actionSchema).min(1, "a playbook needs at least one action"),
    dry_run: z.boolean().default(false),
    /** false: stop evaluating later playbooks once this one matched. */
    continue: z.boolean().default(true),
    safety: safetySchema.optional(),
    /** Every action of this playbook that can be held is held with this policy, unless it says otherwise. */
    approval: playbookApprovalSchema.optional(),
  })
  .superRefine((playbook, ctx) => {
    orderProblems(playbook.actions, ctx);
    playbookApprovalProblems(playbook, ctx);
    const { any } = playbook.match;
    const selecting = selectingConditions(playbook.match);
    // Exclusions may go with `any: true` ("every alert but kube-system"); a condition that selects may not.
    if (any && selecting.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["match", "any"],
        message: `\`any: true\` matches every alert; remove it or the conditions that select alerts (${selecting.join(", ")})`,
      });
    }
    const destructive = playbook.actions.filter((entry) => DESTRUCTIVE_ACTIONS.includes(entry.action));
    // An empty match is easy to write by mistake (a typo'd key, a half-finished edit, an exclusion alone),
    // and on every alert a destructive action would kill or cut off the whole cluster's workloads.
    if (!any && destructive.length > 0 && matchesEveryAlert(playbook.match)) {
      ctx.addIssue({
        code: "custom",
        path: ["match"],
        message: `matches every alert with destructive action(s) ${destructive.map((entry) => entry.action).join(", ")} (no condition selects alerts; exclusions only leave some out); narrow the match, or write \`any: true\` if every alert is meant`,
      });
    }
  })
  // Each action says the policy it is held with (its own or the playbook's), or none.
  .transform(({ approval, ...playbook }) => ({
    ...playbook,
    actions: playbook.actions.map((entry) => {
      const { approval: _written, ...rest } = entry;
      const held = heldWith(entry, approval);
      return held ? { ...rest, approval: held } : rest;
    }),
  }));
export type PlaybookSpec = z.output<typeof playbookSchema>;

/**
 * Orders merge across the playbooks that match one alert (decide.ts), so a cycle may span playbooks
 * (A: kill after isolate; B: isolate after kill) or an action listed twice in one: the actions would
 * wait for each other until their waits ran out. Refused over the after-edges of the whole file.
 */
function orderCycleProblems(file: { playbooks: readonly PlaybookSpec[] }, ctx: z.RefinementCtx): void {
  const edges = file.playbooks.flatMap((playbook, index) =>
    playbook.actions.flatMap((entry, actionIndex) =>
      entry.after && entry.after !== entry.action
        ? [{ from: entry.after, to: entry.action, index, actionIndex, playbook: playbook.name }]
        : [],
    ),
  );
  /** A path of edges from `start` to `goal`, if any. */
  const pathBetween = (
    start: ActionName,
    goal: ActionName,
    seen = new Set<ActionName>(),
  ): typeof edges | undefined => {
    if (start === goal) return [];
    seen.add(start);
    for (const edge of edges.filter((candidate) => candidate.from === start && !seen.has(candidate.to))) {
      const rest = pathBetween(edge.to, goal, seen);
      if (rest) return [edge, ...rest];
    }
    return undefined;
  };
  for (const edge of edges) {
    const back = pathBetween(edge.to, edge.from);
    if (!back) continue;
    const cycle = [edge, ...back];
    ctx.addIssue({
      code: "custom",
      path: ["playbooks", edge.index, "actions", edge.actionIndex, "after"],
      message: `after: ${edge.from} closes a cycle: ${cycle.map((step) => `${step.to} after ${step.from} (${step.playbook})`).join(", ")}; the actions would wait for each other until their waits run out`,
    });
    return;
  }
}

export const playbookFileSchema = z
  .strictObject({ playbooks: z.array(playbookSchema) })
  .superRefine((file, ctx) => {
    orderCycleProblems(file, ctx);
    fileApprovalProblems(file, ctx);
    const seen = new Set<string>();
    file.playbooks.forEach((playbook, index) => {
      if (seen.has(playbook.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["playbooks", index, "name"],
          message: `duplicate playbook name ${JSON.stringify(playbook.name)}`,
        });
      }
      seen.add(playbook.name);
    });
  });
export type PlaybookFile = z.output<typeof playbookFileSchema>;

export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, char: string) => char.toUpperCase());
}

/** As playbooks write a param: the action catalogue's spelling. */
export const camelToSnake = snakeCase;
