// The calls Cloud Scheduler makes in production, made locally by `riposte dev` on the same schedule.
// A service declares its own in its descriptor (`scheduled`: path, cron, interval), e.g. the isolator's
// POST /scheduled/release-expired every minute, which lifts expired quarantine leases, and the notifier's
// POST /scheduled/close-windows, which closes storm windows; the deploy plan's jobs and `riposte dev`'s
// timers both come from here.
import type { ServiceDescriptor } from "@riposte/service-kit";

export interface ScheduledCall {
  service: string;
  path: string;
  /** The Cloud Scheduler job's schedule (unix-cron). */
  cron: string;
  /** The same schedule as an interval, for the local timer. */
  everySeconds: number;
}

/** The scheduled calls of these services, as their descriptors declare them. */
export function scheduledCallsOf(services: readonly ServiceDescriptor[]): ScheduledCall[] {
  return services.flatMap((service) =>
    (service.scheduled ?? []).map(({ path, cron, everySeconds }) => ({
      service: service.name,
      path,
      cron,
      everySeconds,
    })),
  );
}

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
  /** scheduledCallsOf(the services' descriptors). */
  calls: readonly ScheduledCall[];
  fetch?: typeof fetch;
}): ScheduledCaller {
  const doFetch = options.fetch ?? globalThis.fetch;
  const calls = options.calls.filter((call) => options.ports.has(call.service));
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
