// An actioner's scheduled calls: served beside the push route, authenticated as the pushes are, 503
// when the work could not be done for now.
import { LedgerUnavailableError } from "@riposte/ledger";
import { createSilentLogger, type PushAuthenticator } from "@riposte/service-kit";
import { createMemoryPublisher } from "@riposte/service-kit/testing";
import { describe, expect, it } from "vitest";
import type { KubernetesAction } from "./action.js";
import { createClusterRegistry } from "./cluster.js";
import type { ActionerScheduledCall } from "./scheduled.js";
import { createActionerApp } from "./service.js";

const action = {
  name: "isolate-pod",
  kind: "IsolatePod",
  description: "test",
  permissions: [],
  limits: [],
  eventReason: "RiposteIsolatePod",
  plan: () => Promise.reject(new Error("not called")),
} as unknown as KubernetesAction;

function app(run: ActionerScheduledCall["run"], authenticator?: PushAuthenticator) {
  let calls = 0;
  const publisher = createMemoryPublisher();
  const scheduled: ActionerScheduledCall = {
    path: "/scheduled/work",
    cron: "* * * * *",
    everySeconds: 60,
    run: (runner, logger) => {
      calls += 1;
      return run(runner, logger);
    },
  };
  const built = createActionerApp(
    action,
    {
      push: {
        service: "isolator",
        publisher,
        logger: createSilentLogger(),
        ...(authenticator ? { authenticator } : {}),
      },
      runner: {
        service: "isolator",
        registry: createClusterRegistry({ local: { kind: "server", server: "http://127.0.0.1:1" } }),
        basePolicy: { protectedNamespaces: [], allowDaemonSetPods: false, allowMirrorPods: false },
        ledger: {} as never,
        dryRun: false,
        publisher,
      },
    },
    [scheduled],
  );
  return { request: () => built.request("/scheduled/work", { method: "POST" }), calls: () => calls };
}

describe("an actioner's scheduled calls", () => {
  it("answer the work's result as JSON", async () => {
    const { request } = app(async () => ({ released: 2 }));
    const response = await request();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ released: 2 });
  });

  it("refuse a call without a valid token before any work", async () => {
    const refusing: PushAuthenticator = {
      authenticate: async () => ({ ok: false, status: 401, reason: "no token" }),
    };
    const { request, calls } = app(async () => ({}), refusing);
    expect((await request()).status).toBe(401);
    expect(calls()).toBe(0);
  });

  it("answer 503 when the ledger is out of reach (Cloud Scheduler calls again)", async () => {
    const { request } = app(async () => {
      throw new LedgerUnavailableError("ledger down");
    });
    const response = await request();
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("ledger down");
  });
});
