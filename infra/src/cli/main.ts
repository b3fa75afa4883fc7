// The riposte CLI: one command per operator task. Errors are one clear line and a non-zero exit.
import { alertingCommand } from "./alerting.js";
import { approvalsCommand } from "./approvals.js";
import { approveCommand, denyCommand } from "./approve.js";
import { type Command, UsageError } from "./command.js";
import { deployCommand } from "./deploy.js";
import { devCommand } from "./dev.js";
import { dlqCommand, quarantineCommand } from "./dlq.js";
import { docsCommand } from "./docs.js";
import { evidenceCommand } from "./evidence.js";
import { incidentsCommand } from "./incidents.js";
import { playbookCommand } from "./playbook.js";
import { rbacCommand } from "./rbac.js";
import { releaseCommand } from "./release.js";
import { replayCommand } from "./replay.js";
import { sccCommand } from "./scc.js";
import { sendCommand } from "./send.js";
import { simCommand } from "./sim.js";
import { topologyCommand } from "./topology.js";
import { traceCommand } from "./trace.js";
import { untaintCommand } from "./untaint.js";

const COMMANDS: readonly Command[] = [
  sendCommand,
  topologyCommand,
  devCommand,
  simCommand,
  rbacCommand,
  releaseCommand,
  untaintCommand,
  traceCommand,
  incidentsCommand,
  approvalsCommand,
  approveCommand,
  denyCommand,
  evidenceCommand,
  sccCommand,
  dlqCommand,
  quarantineCommand,
  docsCommand,
  deployCommand,
  playbookCommand,
  replayCommand,
  alertingCommand,
];

const usage = `Usage: riposte <command> [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(10)} ${command.summary}`).join("\n")}

Run \`riposte <command> --help\` for a command's options.`;

export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage);
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    console.error(`riposte: unknown command ${JSON.stringify(name)}\n\n${usage}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`riposte ${name}: ${error.message}`);
      return 2;
    }
    console.error(`riposte ${name}: error: ${(error as Error).message.split("\n")[0]}`);
    return 1;
  }
}
