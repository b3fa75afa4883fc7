// The action catalogue: every playbook action once. An action's name is the stem its other names come
// from — the command kind (kill-pod → KillPod) and the Kubernetes Event reason (RiposteKillPod) by
// rule. Only the service that carries it out is written here, as no rule gives it; its topic has the
// service's name. Adding a param is one line in `params` (and its test): playbooks, commands and the
// README's param table all read it from here.
import { z } from "zod";
import { isImageReference } from "./k8s-names.js";

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** A quarantine lease's bounds: shorter than the scheduled release's period means nothing; longer is forgotten. */
export const QUARANTINE_TTL_MIN_MS = 60_000;
export const QUARANTINE_TTL_MAX_MS = 30 * UNIT_MS.d;
const DURATION_FORMAT = /^([1-9][0-9]{0,6})([smhd])$/;

/**
 * A duration as playbooks and the CLI write it (a ttl, a wait): `90m` → 5 400 000; undefined for
 * anything else than a whole number and one unit (s, m, h, d).
 */
export function durationMs(text: string): number | undefined {
  const match = DURATION_FORMAT.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** The check of a ttl, its message naming the param (`--ttl` on the CLI says so itself). */
export function quarantineTtlProblem(ttl: string, name = "ttl"): string | undefined {
  const ms = durationMs(ttl);
  if (ms === undefined)
    return `${name} ${JSON.stringify(ttl.slice(0, 40))}: expected a whole number and a unit (s, m, h or d), e.g. 24h or 90m`;
  if (ms < QUARANTINE_TTL_MIN_MS || ms > QUARANTINE_TTL_MAX_MS)
    return `${name} ${ttl}: must be from 1m to 30d`;
  return undefined;
}

/** capture's retry_for: once the kill that follows has run, the evidence is gone; 5 minutes at most. */
const captureRetryFor = z.string().superRefine((text, ctx) => {
  const ms = durationMs(text);
  if (ms === undefined)
    ctx.addIssue({
      code: "custom",
      message: `${JSON.stringify(text.slice(0, 40))}: expected a duration such as 45s or 2m`,
    });
  else if (ms < 5_000 || ms > 300_000)
    ctx.addIssue({ code: "custom", message: `${text}: must be from 5s to 5m` });
});

const quarantineTtl = z.string().superRefine((ttl, ctx) => {
  const problem = quarantineTtlProblem(ttl);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/**
 * capture-node's images: a reference with a tag or a digest, never `latest` nor a bare name, so a
 * privileged container on the node runs exactly the image the playbook's author reviewed.
 */
const pinnedImage = z.string().superRefine((image, ctx) => {
  const shown = JSON.stringify(image.slice(0, 80));
  if (!isImageReference(image))
    ctx.addIssue({ code: "custom", message: `${shown} is not an image reference` });
  else if (!/(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})$/.test(image.replace(/^[^/]*\//, "")))
    ctx.addIssue({ code: "custom", message: `${shown}: pin the image by a tag or a digest` });
  else if (/:latest$/.test(image))
    ctx.addIssue({ code: "custom", message: `${shown}: pin the image by a tag or a digest, not latest` });
});

/** A CPU quantity in millicores (`500m`) or cores (`1`, `0.5`), from 50m to 2 cores. */
const cpuQuantity = z.string().superRefine((text, ctx) => {
  const match = /^(?:([1-9][0-9]{0,4})m|([0-9](?:\.[0-9]{1,3})?))$/.exec(text);
  const millicores = match ? (match[1] ? Number(match[1]) : Number(match[2]) * 1_000) : Number.NaN;
  if (!(millicores >= 50 && millicores <= 2_000))
    ctx.addIssue({
      code: "custom",
      message: `${JSON.stringify(text.slice(0, 40))}: expected a CPU quantity from 50m to 2 (e.g. 500m)`,
    });
});

const MEBIBYTES = { Mi: 1, Gi: 1_024 } as const;
/** A memory quantity in Mi or Gi, from 64Mi to 4Gi. */
const memoryQuantity = z.string().superRefine((text, ctx) => {
  const match = /^([1-9][0-9]{0,5})(Mi|Gi)$/.exec(text);
  const mebibytes = match ? Number(match[1]) * MEBIBYTES[match[2] as keyof typeof MEBIBYTES] : Number.NaN;
  if (!(mebibytes >= 64 && mebibytes <= 4_096))
    ctx.addIssue({
      code: "custom",
      message: `${JSON.stringify(text.slice(0, 40))}: expected a memory quantity from 64Mi to 4Gi (e.g. 512Mi)`,
    });
});

// Params are strict: a misspelt option in a playbook (e.g. `gracePeriodSecond`) must fail loudly
// rather than fall back to a default that does something else. Each `.describe()` is the param's
// line in the README. `waitsForOrder`: its service honours a command's `order` (the actioner kit
// does); `recordsOutcome`: its outcome lands in the incident ledger, so a later action can wait for it.
const CATALOGUE = {
  "kill-pod": {
    service: "pod-killer",
    waitsForOrder: true,
    recordsOutcome: true,
    params: z.strictObject({
      gracePeriodSeconds: z
        .int()
        .min(0)
        .max(3600)
        .default(0)
        .describe("seconds the pod is given to stop (passed to the pod DELETE); 0 = kill now"),
    }),
  },
  "isolate-pod": {
    service: "isolator",
    waitsForOrder: true,
    recordsOutcome: true,
    params: z.strictObject({
      allowDns: z.boolean().default(false).describe("keep egress to cluster DNS open"),
      forensicsCidr: z
        .union([z.cidrv4(), z.cidrv6()], { error: "expected an IPv4 or IPv6 CIDR" })
        .optional()
        .describe("keep ingress from this IPv4 or IPv6 CIDR open, for forensics"),
      ttl: quarantineTtl
        .optional()
        .describe(
          "a lease: released automatically this long after isolation (1m to 30d, e.g. 24h) unless `riposte quarantine extend` renews it; none = until `riposte release`",
        ),
    }),
  },
  "taint-node": {
    service: "tainter",
    waitsForOrder: true,
    recordsOutcome: true,
    params: z.strictObject({
      effect: z.enum(["NoSchedule", "NoExecute"]).default("NoSchedule").describe("the taint's effect"),
      cordon: z.boolean().default(false).describe("also cordon the node"),
    }),
  },
  notify: {
    service: "notifier",
    // Records deliveries per destination, not one outcome: nothing could wait for it.
    waitsForOrder: false,
    recordsOutcome: false,
    params: z.strictObject({
      destinations: z
        .array(z.string().min(1))
        .default([])
        .describe("names of configured destinations; empty = the notifier's defaults"),
    }),
  },
  "export-finding": {
    service: "scc-exporter",
    waitsForOrder: false,
    recordsOutcome: true,
    params: z.strictObject({}),
  },
  capture: {
    service: "capture",
    waitsForOrder: true,
    recordsOutcome: true,
    params: z.strictObject({
      logBytes: z
        .int()
        .min(1_024)
        .max(16 * 1_048_576)
        .default(1_048_576)
        .describe(
          "the last this many bytes of each container's log, current and previous instance (1 KiB to 16 MiB)",
        ),
      retryFor: captureRetryFor
        .default("45s")
        .describe(
          "how long after the alert a failing upload is retried before the capture fails (5s to 5m); keep it under the wait of the kill that follows, so the outcome names the error",
        ),
    }),
  },
  "capture-node": {
    service: "node-capturer",
    waitsForOrder: true,
    recordsOutcome: true,
    params: z.strictObject({
      image: pinnedImage
        .default("docker.io/sysdig/sysdig:0.38.1")
        .describe("the capture image, run privileged on the node (pinned by a tag or a digest)"),
      uploaderImage: pinnedImage
        .default("gcr.io/google.com/cloudsdktool/google-cloud-cli:524.0.0-slim")
        .describe(
          "the image that uploads the capture file with gcloud storage cp (pinned by a tag or a digest)",
        ),
      durationSeconds: z
        .int()
        .min(5)
        .max(300)
        .default(30)
        .describe("how long the capture records the alert's container (5 to 300 seconds)"),
      cpu: cpuQuantity.default("500m").describe("each container's CPU limit (50m to 2)"),
      memory: memoryQuantity.default("512Mi").describe("each container's memory limit (64Mi to 4Gi)"),
    }),
  },
  // `turbo gen actioner` inserts each new action's entry above this line (keep it last in CATALOGUE).
} as const;

type Catalogue = typeof CATALOGUE;
export type ActionName = keyof Catalogue;

/** kill-pod → KillPod */
export type PascalCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Capitalize<Head>}${PascalCase<Tail>}`
  : Capitalize<S>;
/** pod-killer → podKiller */
export type CamelCase<S extends string> = Uncapitalize<PascalCase<S>>;

export function pascalCase<S extends string>(text: S): PascalCase<S> {
  return text
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("") as PascalCase<S>;
}

export function camelCase<S extends string>(text: S): CamelCase<S> {
  const pascal = pascalCase(text);
  return (pascal.charAt(0).toLowerCase() + pascal.slice(1)) as CamelCase<S>;
}

/** gracePeriodSeconds → grace_period_seconds: params as playbooks (YAML) write them. */
export function snakeCase(text: string): string {
  return text.replace(/[A-Z]/g, (char) => `_${char.toLowerCase()}`);
}

export interface Action<A extends ActionName = ActionName> {
  /** As playbooks write it, and outcomes report it: `kill-pod`. */
  name: A;
  /** The command it sends: `KillPod`. */
  kind: PascalCase<A>;
  /** The service that carries it out: `pod-killer`. */
  service: Catalogue[A]["service"];
  /** The topic its commands go to: the service's name. */
  topic: Catalogue[A]["service"];
  /** The reason of the Kubernetes Event it leaves: `RiposteKillPod`. */
  eventReason: `Riposte${PascalCase<A>}`;
  /** Its params, strict, with their defaults. */
  params: Catalogue[A]["params"];
  /** It may run after earlier actions (a playbook's `after`): its service waits for their outcomes. */
  waitsForOrder: boolean;
  /** Its outcome is recorded in the incident ledger: later actions may wait for it. */
  recordsOutcome: boolean;
}

function actionOf<A extends ActionName>(name: A): Action<A> {
  const { service, params, waitsForOrder, recordsOutcome } = CATALOGUE[name];
  const kind = pascalCase(name);
  return {
    name,
    kind,
    service,
    topic: service,
    eventReason: `Riposte${kind}`,
    params,
    waitsForOrder,
    recordsOutcome,
  };
}

export const ACTION_NAMES = Object.keys(CATALOGUE) as [ActionName, ...ActionName[]];

/** Every action, in the catalogue's order. */
export const ACTIONS = Object.fromEntries(ACTION_NAMES.map((name) => [name, actionOf(name)])) as {
  readonly [A in ActionName]: Action<A>;
};

type ServiceTopics = {
  readonly [A in ActionName as CamelCase<Catalogue[A]["service"]>]: Catalogue[A]["service"];
};

/** Pub/Sub topic IDs (docs/architecture.md "Names"): falco-events, one per action's service, then the shared two. */
export const Topics = {
  falcoEvents: "falco-events",
  ...(Object.fromEntries(
    ACTION_NAMES.map((name) => [camelCase(CATALOGUE[name].service), CATALOGUE[name].service]),
  ) as ServiceTopics),
  actionOutcomes: "action-outcomes",
  quarantine: "quarantine",
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

/** Playbook action names → the command kind they send and the topic it goes to. */
export const ACTION_KINDS = Object.fromEntries(
  ACTION_NAMES.map((name) => [name, { kind: ACTIONS[name].kind, topic: ACTIONS[name].topic }]),
) as {
  readonly [A in ActionName]: { readonly kind: PascalCase<A>; readonly topic: Catalogue[A]["service"] };
};

export function isActionName(name: string): name is ActionName {
  return Object.hasOwn(CATALOGUE, name);
}
