// The calls Cloud Scheduler makes in production, made locally by `riposte dev` on the same schedule:
// the notifier's POST /scheduled/close-windows every minute (`* * * * *`), which closes the storm
// windows whose time is up and sends their summaries, whichever instance opened them.

export interface ScheduledCall {
  service: string;
  path: string;
  /** The Cloud Scheduler job's schedule (unix-cron). */
  cron: string;
  /** The same schedule as an interval, for the local timer. */
  everySeconds: number;
}

export const SCHEDULED_CALLS: readonly ScheduledCall[] = [
  { service: "notifier", path: "/scheduled/close-windows", cron: "* * * * *", everySeconds: 60 },
];

export interface ScheduledCaller {
  /** Makes every call once now (tests; the timer does it every `everySeconds`). */
  callAll(): Promise<void>;
  stop(): void;
}

/**
 * Calls each scheduled endpoint of the running services on its schedule. A failed call is reported and
 * the next one comes on time, as Cloud Scheduler does (no push stands behind it).
 */
export function startScheduledCalls(options: {
  ports: ReadonlyMap<string, number>;
  report: (line: string) => void;
  calls?: readonly ScheduledCall[];
  fetch?: typeof fetch;
}): ScheduledCaller {
  const doFetch = options.fetch ?? globalThis.fetch;
  const calls = (options.calls ?? SCHEDULED_CALLS).filter((call) => options.ports.has(call.service));
  const callOne = async (call: ScheduledCall): Promise<void> => {
    const url = `http://127.0.0.1:${options.ports.get(call.service)}${call.path}`;
    try {
      const response = await doFetch(url, { method: "POST", signal: AbortSignal.timeout(30_000) });
      if (!response.ok)
        options.report(`scheduled call ${call.service} ${call.path}: HTTP ${response.status}`);
    } catch (error) {
      options.report(`scheduled call ${call.service} ${call.path} failed: ${(error as Error).message}`);
    }
  };
  const timers = calls.map((call) => {
    const timer = setInterval(() => void callOne(call), call.everySeconds * 1000);
    timer.unref();
    return timer;
  });
  return {
    callAll: async () => {
      await Promise.all(calls.map(callOne));
    },
    stop: () => {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
