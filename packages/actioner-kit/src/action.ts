// A Kubernetes action describes itself (what it does, the exact permissions it needs, its limits) and
// plans what it would do; its name, command and Event reason come from the action catalogue. This
// runner does everything else once, for all of them:
// cluster selection, safety overrides, dry-run, blast-radius limits (counted in the incident ledger),
// error classification, the Kubernetes Event, the ActionOutcome and the action's record in the ledger.
import {
  ACTIONS,
  type ActionName,
  type Command,
  type CommandOf,
  MAX_ACTION_WAIT_SECONDS,
  type OutcomeResult,
} from "@riposte/contracts";
import {
  createLedger,
  type Ledger,
  type LedgerOptions,
  LedgerUnavailableError,
  type ObjectSlots,
} from "@riposte/ledger";
import {
  annotateActiveSpan,
  DeferredError,
  incidentSpanAttributes,
  type KubernetesPermission,
  type Logger,
  type Publisher,
  type PushContext,
  RetryableError,
  reportOutcome,
  retryableOn,
  TimeoutError,
  withSpan,
  withTimeout,
} from "@riposte/service-kit";
import { type ClusterClients, type ClusterRegistry, UnknownClusterError } from "./cluster.js";
import { classifyKubernetesError, missingPermission } from "./errors.js";
import { type InvolvedObject, recordEvent } from "./events.js";
import { type BlastRadiusLimiter, createLimiter, type LimitRule } from "./limits.js";
import { effectivePolicy, InvalidSafetyOverridesError, type SafetyPolicy } from "./policy.js";

export interface ActionContext<X = unknown> {
  /** Bound to this delivery's deadline: a call still in flight when it passes is aborted. */
  clients: ClusterClients;
  /** This delivery's deadline, for calls an action makes outside `clients` (e.g. the GKE API). */
  signal: AbortSignal;
  policy: SafetyPolicy;
  logger: Logger;
  now: Date;
  /** What the service built for its action at start (describeActioner's `uses`), e.g. a storage client. */
  uses: X;
  /** When Pub/Sub received the command (its publishTime), if the delivery said: a clock the router's cannot move. */
  publishedAt?: Date;
}

/** A decision reached while planning: nothing will be changed. */
export interface FinalResult {
  result: Extract<OutcomeResult, "already-done" | "stale" | "refused">;
  reason: string;
  details?: Record<string, unknown>;
  /** For already-done: the incident the object names as having done it (a label, a taint's value). */
  doneBy?: string;
}

export interface ExecutionResult {
  /** `failed`: a failure the action judged final (e.g. it retried past the time its result could matter). */
  result: Extract<OutcomeResult, "done" | "already-done" | "stale" | "failed">;
  reason: string;
  /** A string `location` here (where the action's product lives) is also recorded in the ledger. */
  details?: Record<string, unknown>;
  /** For already-done: the incident the object names as having done it (a label, a taint's value). */
  doneBy?: string;
}

/** What the action would do, ready to run. */
export interface ActionPlan {
  /** Exactly what will be done, e.g. `delete pod shop/web-1 (uid …) with gracePeriodSeconds 0`. */
  description: string;
  /** The object touched: where the Event goes, and what the limits count. */
  object: InvolvedObject;
  details?: Record<string, unknown>;
  execute(): Promise<ExecutionResult>;
}

export interface KubernetesAction<C extends Command = Command, X = unknown> {
  name: ActionName;
  kind: C["kind"];
  /** What it does, in one line: its service's description (and its service account's). */
  description: string;
  /** Exactly the RBAC rules `plan` and `execute` (and the Event) need; RBAC manifests come from this. */
  permissions: readonly KubernetesPermission[];
  /** Limits counted for each executed action. */
  limits: readonly LimitRule[];
  /**
   * Cap on its plan and on its execute when they need longer than KUBE_CALL_TIMEOUT_MS (capture reads
   * logs and uploads a bundle); still within the push deadline. Default: KUBE_CALL_TIMEOUT_MS.
   */
  stepTimeoutMs?: number;
  /** Reason of the Kubernetes Event, e.g. RiposteKillPod. */
  eventReason: string;
  plan(command: C, context: ActionContext<X>): Promise<ActionPlan | FinalResult>;
}

/** The action named `name` in the catalogue: its command kind and Event reason are the catalogue's. */
export function kubernetesAction<A extends ActionName, X = unknown>(
  name: A,
  spec: Omit<KubernetesAction<CommandOf<A>, X>, "name" | "kind" | "eventReason">,
): KubernetesAction<CommandOf<A>, X> {
  const { kind, eventReason } = ACTIONS[name];
  // The catalogue's kind is the command's (the generic cannot see that PascalCase<A> is CommandOf<A>'s).
  return { name, kind: kind as CommandOf<A>["kind"], eventReason, ...spec };
}

/** Every action writes Events; the permission is part of each action's list. */
export const EVENT_PERMISSION: KubernetesPermission = {
  apiGroups: [""],
  resources: ["events"],
  verbs: ["create"],
  reason: "record what Riposte did on the object it touched",
};

/**
 * What the runner needs of the incident ledger, shared by every instance: the blast-radius slots, and
 * each action's attempts and outcome on its incident's document (`riposte incidents show` reads them).
 */
export type ActionerLedger = ObjectSlots &
  Pick<Ledger, "recordActionAttempt" | "recordActionError" | "recordActionOutcome" | "readIncident">;

/** The actioner's view of the ledger over one Firestore client (`warmUp`: set its channel up at start). */
export function createActionerLedger(
  options: Pick<LedgerOptions, "firestore" | "timeoutMs" | "ttlDays">,
): ActionerLedger & Pick<Ledger, "warmUp" | "readIncident"> {
  const ledger = createLedger(options);
  return {
    takeObjectSlots: ledger.takeObjectSlots,
    recordActionAttempt: ledger.recordActionAttempt,
    recordActionError: ledger.recordActionError,
    recordActionOutcome: ledger.recordActionOutcome,
    warmUp: ledger.warmUp,
    readIncident: ledger.readIncident,
  };
}

export interface ActionRunnerDeps {
  service: string;
  registry: ClusterRegistry;
  basePolicy: SafetyPolicy;
  /** Counts the limits and records the action's attempts and outcomes. */
  ledger: ActionerLedger;
  /** The limits in force: the action's (`KubernetesAction.limits`) unless the service's config changed a max. */
  limits?: readonly LimitRule[];
  /** DRY_RUN for the whole service: every command is planned, nothing is changed. */
  dryRun: boolean;
  publisher: Publisher;
  /**
   * Cap on each step's Kubernetes calls (cluster, plan, execute, Event). All steps also share the push
   * deadline (`PushContext.signal`): whichever passes first aborts the calls still in flight.
   */
  callTimeoutMs?: number;
  now?: () => Date;
  /**
   * How long a command ordered after earlier actions holds its delivery, re-reading the ledger, before
   * it answers 503 and leaves the wait to Pub/Sub's redelivery (default ORDER_HOLD_MS).
   */
  orderHoldMs?: number;
  /** Passed to the action's plan as `context.uses` (built from describeActioner's `uses` at start). */
  uses?: unknown;
}

/**
 * Held, not answered at once: Pub/Sub redelivers 1, 2, 4 … 60 s apart, so a 503 at once could start
 * the later action a whole backoff after the earlier one ended. 5 s of the 25 s push deadline.
 */
export const ORDER_HOLD_MS = 5_000;
/** How often a held delivery re-reads the ledger: one read per incident every quarter second. */
const ORDER_POLL_MS = 250;

function isPlan(value: ActionPlan | FinalResult): value is ActionPlan {
  return "execute" in value;
}

/**
 * One delivery's Kubernetes calls share one AbortController: it aborts when the push deadline or the
 * shutdown grace passes (the push was answered 503) or when one step overruns its own cap. Either way
 * the handler gives up, so every call still in flight is cancelled rather than left to land unseen.
 */
function deliveryCalls(pushSignal: AbortSignal) {
  const controller = new AbortController();
  const onPushDeadline = () =>
    controller.abort(new RetryableError(`push handler cut off: ${errorText(pushSignal.reason)}`));
  if (pushSignal.aborted) onPushDeadline();
  else pushSignal.addEventListener("abort", onPushDeadline, { once: true });
  return {
    signal: controller.signal,
    /** `work` within `capMs` and the push deadline; past either, its calls are aborted. */
    async step<T>(work: Promise<T>, capMs: number, what: string): Promise<T> {
      const { signal } = controller;
      try {
        return await withTimeout(() => work, { what, timeoutMs: capMs, signal });
      } catch (error) {
        // Given up on before or meanwhile (the push deadline, an earlier overrun): say which step it stopped.
        if (signal.aborted && error === signal.reason)
          throw new RetryableError(`${what}: ${errorText(error)}`, { cause: error });
        // This step overran its cap: the delivery gives up, so its calls still in flight are cancelled.
        if (error instanceof TimeoutError) controller.abort(error);
        throw error;
      }
    },
    /** `work` within the push deadline only: for calls with a cap of their own (the ledger's timeout). */
    async untilDeadline<T>(work: Promise<T>, what: string): Promise<T> {
      const { signal } = controller;
      const givenUp = () =>
        new RetryableError(`${what}: ${errorText(signal.reason)}`, { cause: signal.reason });
      if (signal.aborted) throw givenUp();
      let onAbort: () => void = () => {};
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(givenUp());
        signal.addEventListener("abort", onAbort, { once: true });
      });
      try {
        return await Promise.race([work, aborted]);
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
    },
    done: () => pushSignal.removeEventListener("abort", onPushDeadline),
  };
}

/** The object an action changes, as the limits count it: escalating it again is not a second one. */
function slotHolder(action: ActionName, object: InvolvedObject): string {
  return [action, object.kind, object.namespace ?? "", object.name, object.uid ?? ""].join("|");
}

/**
 * A command whose execution started on this instance and whose outcome is not published yet: its
 * redelivery (after a 503) may find the work done — by that execution, not by someone else.
 */
interface StartedExecution {
  /** When it started (ms): remembered while the slot it took counts. */
  at: number;
  holder: string;
  object: InvolvedObject;
  description: string;
  /** Another command reported done on the same object here since: the work found is its work. */
  supersededBy?: string;
}

function errorText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/**
 * This instance's executions (only this instance knows its own), kept as long as the slot they took
 * counts (a minute at least), which is as long as a redelivery can find their work theirs.
 */
class StartedExecutions {
  readonly #started = new Map<string, StartedExecution>();
  readonly #rememberMs: number;
  readonly #now: () => Date;

  constructor(rememberMs: number, now: () => Date) {
    this.#rememberMs = rememberMs;
    this.#now = now;
  }

  /** The command's execution, while it is remembered. */
  startedBy(commandKey: string): StartedExecution | undefined {
    const execution = this.#started.get(commandKey);
    if (execution && this.#now().getTime() - execution.at < this.#rememberMs) return execution;
    this.#started.delete(commandKey);
    return undefined;
  }

  remember(commandKey: string, execution: StartedExecution): void {
    for (const key of [...this.#started.keys()]) this.startedBy(key);
    this.#started.set(commandKey, execution);
  }

  /** `commandKey` changed `holder`'s object: what other started executions on it will find is not theirs. */
  supersede(holder: string, commandKey: string): void {
    for (const [key, execution] of this.#started)
      if (key !== commandKey && execution.holder === holder) execution.supersededBy ??= commandKey;
  }

  /** Claims the command's execution while its outcome is reported: a duplicate meanwhile finds none. */
  take(commandKey: string): StartedExecution | undefined {
    const execution = this.#started.get(commandKey);
    this.#started.delete(commandKey);
    return execution;
  }

  /** Gives a claimed execution back (its report failed), unless another was remembered since. */
  giveBack(commandKey: string, execution: StartedExecution): void {
    if (!this.#started.has(commandKey)) this.#started.set(commandKey, execution);
  }
}

/** What every delivery of one action shares on this instance. */
interface ActionRunner<C extends Command> {
  action: KubernetesAction<C>;
  deps: ActionRunnerDeps;
  now: () => Date;
  /** Each step's cap on its Kubernetes calls. */
  timeoutMs: number;
  limiter: BlastRadiusLimiter;
  started: StartedExecutions;
}

/** One delivery of one command. */
interface Delivery<C extends Command> {
  runner: ActionRunner<C>;
  command: C;
  context: PushContext;
  calls: ReturnType<typeof deliveryCalls>;
  logger: Logger;
  /** What identifies the command across its redeliveries. */
  commandKey: string;
}

/** The push handler of an actioner: `pushRoute("/", jsonMessageDecoder(schema), createActionHandler(action, deps))`. */
export function createActionHandler<C extends Command>(action: KubernetesAction<C>, deps: ActionRunnerDeps) {
  const now = deps.now ?? (() => new Date());
  const limiter = createLimiter(deps.limits ?? action.limits, deps.ledger);
  const runner: ActionRunner<C> = {
    action,
    deps,
    now,
    timeoutMs: deps.callTimeoutMs ?? 10_000,
    limiter,
    started: new StartedExecutions(Math.max(limiter.longestWindowMs, 60_000), now),
  };
  // One span per command: the action, its Kubernetes calls beneath it, its outcome as an attribute.
  return (command: C, context: PushContext): Promise<void> =>
    withSpan(
      action.name,
      {
        attributes: {
          ...incidentSpanAttributes(
            command.incident,
            command.alert.rule,
            command.alert.priority,
            command.target,
          ),
          "riposte.action": action.name,
          "riposte.dry_run": deps.dryRun || command.dryRun,
        },
      },
      () => handle(runner, command, context),
    );
}

async function handle<C extends Command>(
  runner: ActionRunner<C>,
  command: C,
  context: PushContext,
): Promise<void> {
  const { action } = runner;
  const calls = deliveryCalls(context.signal);
  try {
    return await run({
      runner,
      command,
      context,
      calls,
      logger: context.logger.child({ incident: command.incident, action: action.name }),
      commandKey: `${command.incident}|${action.name}`,
    });
  } finally {
    calls.done();
  }
}

async function publishOutcome<C extends Command>(
  runner: ActionRunner<C>,
  command: C,
  result: OutcomeResult,
  reason: string,
  details: Record<string, unknown>,
  logger: Logger,
): Promise<void> {
  const { action, deps } = runner;
  annotateActiveSpan({ "riposte.outcome": result, "riposte.outcome.reason": reason.slice(0, 500) });
  // The incident's timeline first: if it cannot be written, nothing is published and the redelivery
  // reports again (the same fields, merged).
  await retryableOn(LedgerUnavailableError, "recording the outcome in the ledger", () =>
    deps.ledger.recordActionOutcome(command.incident, action.name, {
      service: deps.service,
      result,
      reason,
      ...(typeof details.location === "string" ? { location: details.location } : {}),
    }),
  );
  await reportOutcome(deps.publisher, command, {
    service: deps.service,
    result,
    reason,
    details,
    at: runner.now(),
  });
  const level = result === "failed" ? "error" : result === "refused" ? "warn" : "info";
  logger[level](
    { incident: command.incident, action: action.name, result, details },
    `${action.name} ${result}: ${reason}`,
  );
}

/** Kubernetes errors that retrying cannot fix become a `failed` outcome; transient ones a 503. */
function failure(
  registry: ClusterRegistry,
  error: unknown,
  doing: string,
  cluster: string,
): { reason: string; details: Record<string, unknown> } {
  const classified = classifyKubernetesError(error);
  if (classified.kind === "unauthorized") {
    registry.invalidate(cluster);
    throw new RetryableError(
      `${doing}: credentials refused (${classified.message}); retrying with fresh ones`,
      {
        cause: error,
      },
    );
  }
  if (classified.kind === "transient") {
    throw new RetryableError(`${doing}: ${classified.message}`, {
      ...(classified.retryAfterSeconds ? { retryAfterSeconds: classified.retryAfterSeconds } : {}),
      cause: error,
    });
  }
  if (classified.kind === "forbidden") {
    const permission = missingPermission(classified.message);
    return {
      reason: `${doing}: forbidden${permission ? `; missing permission: ${permission}` : ""}: ${classified.message}`,
      details: { status: 403, ...(permission ? { missingPermission: permission } : {}) },
    };
  }
  return {
    reason: `${doing}: ${classified.message}`,
    details: { status: classified.kind === "invalid" ? classified.code : classified.kind },
  };
}

/**
 * A final outcome that is not what was asked for says why earlier deliveries failed, if one did: a
 * capture retried through a storage outage and then finding its pod killed ends stale, and the reader
 * needs the outage, not only "the pod is gone". Best effort: without the ledger the reason stays.
 */
async function withEarlierError<C extends Command>(delivery: Delivery<C>, reason: string): Promise<string> {
  const { runner, command, logger } = delivery;
  try {
    const incident = await runner.deps.ledger.readIncident(command.incident);
    const earlier = incident?.actions[runner.action.name]?.lastError?.reason;
    return earlier && !reason.includes(earlier) ? `${reason}; an earlier attempt failed: ${earlier}` : reason;
  } catch (error) {
    logger.warn({ error: errorText(error) }, "earlier attempts' error not read from the ledger");
    return reason;
  }
}

/**
 * failure(), and when it is transient (thrown for a 503 and a redelivery) its reason recorded in the
 * ledger first: the final outcome of a later delivery can then say why this one failed.
 */
async function failed<C extends Command>(
  delivery: Delivery<C>,
  error: unknown,
  doing: string,
  cluster: string,
): Promise<{ reason: string; details: Record<string, unknown> }> {
  const { runner, command, logger } = delivery;
  try {
    return failure(runner.deps.registry, error, doing, cluster);
  } catch (retryable) {
    await runner.deps.ledger
      .recordActionError(command.incident, runner.action.name, {
        service: runner.deps.service,
        reason: errorText(retryable),
      })
      .catch((recordError: unknown) =>
        logger.warn({ error: errorText(recordError) }, "the retried error not recorded in the ledger"),
      );
    throw retryable;
  }
}

/**
 * A commit: past the push deadline it is refused (503, the redelivery reports); one under way when
 * the deadline passes is waited for, so an outcome published is never followed by a second one.
 */
async function report<C extends Command>(
  delivery: Delivery<C>,
  result: OutcomeResult,
  reason: string,
  details: Record<string, unknown>,
): Promise<void> {
  const { runner, command, context, logger, commandKey } = delivery;
  const told = result === "stale" || result === "failed" ? await withEarlierError(delivery, reason) : reason;
  // Claimed while publishing: a duplicate delivering meanwhile must not report the same work again.
  const execution = runner.started.take(commandKey);
  try {
    await context.commit(() => publishOutcome(runner, command, result, told, details, logger));
  } catch (error) {
    if (execution) runner.started.giveBack(commandKey, execution);
    throw error;
  }
}

/** The cluster's clients bound to this delivery, or the refusal of a cluster nobody configured. */
async function connect<C extends Command>(
  delivery: Delivery<C>,
): Promise<ClusterClients | UnknownClusterError> {
  const { runner, command, calls } = delivery;
  try {
    const registered = await calls.step(
      runner.deps.registry.clientsFor(command.target.cluster, calls.signal),
      runner.timeoutMs,
      "reaching the cluster",
    );
    return registered.withSignal(calls.signal);
  } catch (error) {
    if (error instanceof UnknownClusterError) return error;
    throw new RetryableError(`cannot reach the cluster: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * A command ordered after earlier actions of its incident (a playbook's `after`): while one of them
 * has no outcome in the ledger and `notAfter` is ahead, the delivery re-reads the ledger for up to
 * `orderHoldMs`, then answers 503 and Pub/Sub's redelivery asks again, so no instance waits longer
 * and a restart loses nothing. Past `notAfter` it runs whatever they did. Answers the earlier actions
 * it stopped waiting for.
 */
async function awaitEarlierActions<C extends Command>(delivery: Delivery<C>): Promise<ActionName[]> {
  const { runner, command, calls, context } = delivery;
  const { order } = command;
  if (!order) return [];
  // notAfter is the router's clock; Pub/Sub's publish time bounds the wait too, so a command whose
  // clock runs ahead cannot hold the action back past the longest wait (and into the dead letters).
  // Without a readable publish time there is no such bound: the action runs rather than wait unbounded.
  const published = context.publishTime ? Date.parse(context.publishTime) : Number.NaN;
  const notAfter = Math.min(
    Date.parse(order.notAfter),
    Number.isNaN(published) ? 0 : published + MAX_ACTION_WAIT_SECONDS * 1_000,
  );
  const holdUntil = Math.min(notAfter, runner.now().getTime() + (runner.deps.orderHoldMs ?? ORDER_HOLD_MS));
  const what = "reading the earlier actions' outcomes";
  for (;;) {
    const incident = await calls.untilDeadline(
      retryableOn(LedgerUnavailableError, what, () => runner.deps.ledger.readIncident(command.incident)),
      what,
    );
    const pending = order.after.filter((earlier) => !incident?.actions[earlier]?.outcome);
    const now = runner.now().getTime();
    if (pending.length === 0 || now >= notAfter) return pending;
    if (now >= holdUntil) {
      throw new DeferredError(
        `waiting for ${pending.join(", ")} of this incident (no outcome yet); runs at ${new Date(notAfter).toISOString()} at the latest`,
      );
    }
    await calls.untilDeadline(
      new Promise((resolve) => setTimeout(resolve, Math.min(ORDER_POLL_MS, holdUntil - now))),
      "waiting for earlier actions",
    );
  }
}

async function run<C extends Command>(delivery: Delivery<C>): Promise<void> {
  const { runner, command, calls, logger, context } = delivery;
  const { action, deps } = runner;
  const stoppedWaitingFor = await awaitEarlierActions(delivery);
  if (stoppedWaitingFor.length > 0)
    logger.warn({ stoppedWaitingFor }, `runs without waiting further for ${stoppedWaitingFor.join(", ")}`);
  const clients = await connect(delivery);
  const waited = stoppedWaitingFor.length > 0 ? { stoppedWaitingFor } : {};
  if (clients instanceof UnknownClusterError) return report(delivery, "refused", clients.message, waited);
  const base = { cluster: clients.name, ...waited };
  let policy: SafetyPolicy;
  try {
    policy = effectivePolicy(deps.basePolicy, command.safety);
  } catch (error) {
    // Fails closed: an override that cannot be read might have protected the target.
    if (error instanceof InvalidSafetyOverridesError) return report(delivery, "refused", error.message, base);
    throw error;
  }
  const actionContext: ActionContext = {
    clients,
    signal: calls.signal,
    policy,
    logger,
    now: runner.now(),
    uses: runner.deps.uses,
    ...(context.publishTime && Number.isFinite(Date.parse(context.publishTime))
      ? { publishedAt: new Date(context.publishTime) }
      : {}),
  };

  let planned: ActionPlan | FinalResult;
  try {
    planned = await calls.step(
      action.plan(command, actionContext),
      action.stepTimeoutMs ?? runner.timeoutMs,
      `planning ${action.name}`,
    );
  } catch (error) {
    const { reason, details } = await failed(delivery, error, `planning ${action.name}`, clients.name);
    return report(delivery, "failed", reason, { ...base, ...details });
  }
  if (!isPlan(planned)) {
    const finalDetails = { ...base, ...planned.details };
    if (planned.result === "already-done") return alreadyDone(delivery, clients, planned, finalDetails);
    return report(delivery, planned.result, planned.reason, finalDetails);
  }

  const details = { ...base, object: planned.object, plan: planned.description, ...planned.details };
  if (deps.dryRun || command.dryRun) {
    return report(delivery, "dry-run", `would ${planned.description}`, details);
  }
  return execute(delivery, clients, planned, details);
}

/** Takes a blast-radius slot, carries the plan out, writes the Event and reports. */
async function execute<C extends Command>(
  delivery: Delivery<C>,
  clients: ClusterClients,
  planned: ActionPlan,
  details: Record<string, unknown>,
): Promise<void> {
  const { runner, command, calls, logger, commandKey } = delivery;
  const { action, deps, started } = runner;
  const { object } = planned;
  const holder = slotHolder(action.name, object);
  // Taken only now that the plan found something to do, and never given back (limits.ts). Without
  // the ledger nothing acts: LedgerUnavailableError becomes a 503.
  const slot = await calls.untilDeadline(
    retryableOn(LedgerUnavailableError, "taking a blast-radius slot", () =>
      runner.limiter.reserve({
        cluster: clients.name,
        ...(object.namespace ? { namespace: object.namespace } : {}),
        holder,
        incident: command.incident,
        action: action.name,
      }),
    ),
    "taking a blast-radius slot",
  );
  if (!slot.ok) return report(delivery, "refused", slot.reason, details);
  /** The execution may have changed the object: a redelivery here knows why it finds the work done. */
  const remembered = () =>
    started.remember(commandKey, {
      at: runner.now().getTime(),
      holder,
      object,
      description: planned.description,
    });
  // Alongside the execution, not before it: the kill waits for no extra round trip. A lost attempt
  // record costs the timeline one count, never the action.
  const attemptRecorded = deps.ledger
    .recordActionAttempt(command.incident, action.name, { service: deps.service })
    .catch((error: unknown) =>
      logger.warn({ error: errorText(error) }, "attempt not recorded in the ledger"),
    );

  let executed: ExecutionResult;
  try {
    executed = await calls.step(
      planned.execute(),
      action.stepTimeoutMs ?? runner.timeoutMs,
      planned.description,
    );
  } catch (error) {
    // Started and not proven harmless: the call may have landed.
    remembered();
    await attemptRecorded;
    const { reason, details: errorDetails } = await failed(
      delivery,
      error,
      planned.description,
      clients.name,
    );
    return report(delivery, "failed", reason, { ...details, ...errorDetails });
  }
  await attemptRecorded;
  if (executed.result !== "done") {
    // Already done or stale by the time it ran: the slot stays taken all the same (the ledger gives
    // nothing back), so this race between plan and execute costs one slot of the window at most.
    const resultDetails = { ...details, ...executed.details };
    if (executed.result === "already-done") return alreadyDone(delivery, clients, executed, resultDetails);
    return report(delivery, executed.result, executed.reason, resultDetails);
  }
  remembered();
  started.supersede(holder, commandKey);

  const eventError = await recordActionEvent(delivery, clients, object);
  return report(delivery, "done", executed.reason, {
    ...details,
    ...executed.details,
    ...(eventError ? { eventError } : {}),
  });
}

/** Writes the Event on `object`; an Event that cannot be written in time is reported, not retried. */
async function recordActionEvent<C extends Command>(
  delivery: Delivery<C>,
  clients: ClusterClients,
  object: InvolvedObject,
): Promise<string | undefined> {
  const { runner, command, calls, logger } = delivery;
  const { action } = runner;
  const eventError = await calls
    .step(
      recordEvent(clients.core, {
        object,
        reason: action.eventReason,
        message: `Riposte ${action.name} for incident ${command.incident}: ${command.alert.rule} (${command.alert.priority})`,
        component: `riposte-${runner.deps.service}`,
        incident: command.incident,
        action: action.name,
        now: runner.now(),
      }),
      runner.timeoutMs,
      "recording the Event",
    )
    .catch((error: unknown) => `event not recorded: ${(error as Error).message}`);
  if (eventError) logger.warn({ eventError }, eventError);
  return eventError;
}

/**
 * "Already done" right after this command's own execution ran past a deadline or failed here (its
 * slot kept) is that execution's work: reported done, with the Event it may not have written (same
 * name, never doubled) — unless the object names another incident as the one that did it, or
 * another command reported done on the object here since. Only this instance knows of the earlier
 * execution; another instance says already-done.
 */
async function alreadyDone<C extends Command>(
  delivery: Delivery<C>,
  clients: ClusterClients,
  found: { reason: string; doneBy?: string },
  details: Record<string, unknown>,
): Promise<void> {
  const { runner, command, commandKey } = delivery;
  const { started } = runner;
  const { reason, doneBy } = found;
  // Claimed at once: of two duplicates finding the work done, one reports done, the other already-done.
  const earlier = started.startedBy(commandKey);
  if (!earlier) return report(delivery, "already-done", reason, details);
  started.take(commandKey);
  const someoneElse =
    doneBy !== undefined && doneBy !== command.incident ? `incident ${doneBy}` : earlier.supersededBy;
  if (someoneElse !== undefined) {
    // The earlier execution (failed or cut off) did not do this: it was not ours to report done.
    return report(delivery, "already-done", reason, { ...details, doneBy: someoneElse });
  }
  started.supersede(earlier.holder, commandKey);
  try {
    const eventError = await recordActionEvent(delivery, clients, earlier.object);
    return await report(
      delivery,
      "done",
      `done by an earlier delivery that ran past its deadline (${earlier.description}); now ${reason}`,
      {
        ...details,
        object: earlier.object,
        plan: earlier.description,
        ...(eventError ? { eventError } : {}),
      },
    );
  } catch (error) {
    // Not reported (past the deadline, publish failed): the next redelivery says done.
    started.giveBack(commandKey, earlier);
    throw error;
  }
}
