// Test fixtures for the pages: an app as the console mounts them (an authentication middleware, then
// consolePages) over a real ledger and the console's decide, and incidents seeded as the router and the
// services write them — with an attacker's strings wherever an alert can put them.
import type { Command } from "@riposte/contracts";
import { commandFromExample, uniqueAlertTime } from "@riposte/contracts/testing";
import type { Ledger } from "@riposte/ledger";
import { Hono, type MiddlewareHandler } from "hono";
import type { ConsoleAuthEnv } from "../iap/middleware.js";
import { type ConsolePagesDeps, LOCAL_LINKS } from "./deps.js";
import { consolePages } from "./routes.js";

/** Would run if any page let it through as markup. */
export const HOSTILE_POD = `<img src=x onerror=alert(1)>`;
export const HOSTILE_RULE = `Shell in <script>alert("rule")</script> container`;
export const HOSTILE_OUTPUT = `spawned "</pre><script>alert(2)</script>" & <b onmouseover=alert(3)>x</b>`;
export const HOSTILE_FIELD = `"><svg onload=alert(4)>`;

export const APPROVER = "local:tester";

export function pagesApp(
  auth: MiddlewareHandler<ConsoleAuthEnv>,
  deps: Omit<ConsolePagesDeps, "links"> & Partial<Pick<ConsolePagesDeps, "links">> & { ledger: Ledger },
) {
  const app = new Hono();
  app.use(auth);
  app.route("/", consolePages({ links: LOCAL_LINKS, ...deps }));
  return app;
}

/** A kill-pod command of a fresh incident whose alert is full of hostile text. */
export function hostileKill(): Command {
  return commandFromExample("kill-pod", "modern-terminal-shell.json", {
    top: { time: uniqueAlertTime(), rule: HOSTILE_RULE, output: HOSTILE_OUTPUT },
    fields: {
      "k8s.pod.name": HOSTILE_POD,
      [HOSTILE_FIELD]: HOSTILE_FIELD,
      "proc.cmdline": "sh -c 'a\u202eb'",
    },
  });
}

/**
 * An incident as the router leaves it when a playbook holds its kill: claimed and routed with the
 * alert, isolate-pod and notify published (isolate done, notify sent), kill-pod awaiting approval.
 */
export async function seedHeldIncident(
  ledger: Ledger,
  options: { deadline: Date; approvers?: string[]; command?: Command },
): Promise<Command> {
  const command = options.command ?? hostileKill();
  const key = command.incident;
  const plan = (action: string) => ({ action, dryRun: false, playbooks: ["careful"] });
  await ledger.claimIncident(
    key,
    {
      playbooks: ["careful"],
      actions: [plan("isolate-pod"), plan("notify"), plan("kill-pod")],
      target: command.target,
    },
    { dedupWindowMs: 60_000, alert: command.alert },
  );
  await ledger.requestApprovals(key, [
    {
      action: "kill-pod",
      deadline: options.deadline,
      onTimeout: "abandon",
      approvers: options.approvers ?? ["user:alice@acme.com"],
      command,
    },
  ]);
  await ledger.recordActionAttempt(key, "isolate-pod", { service: "isolator" });
  await ledger.recordActionOutcome(key, "isolate-pod", {
    service: "isolator",
    result: "done",
    reason: `isolated pod ${HOSTILE_POD}`,
  });
  await ledger.recordNotification(key, "slack-secops", { status: "sent" });
  await ledger.recordFinding(key, `organizations/123/sources/456/findings/${key}`);
  return command;
}
