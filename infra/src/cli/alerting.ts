// `riposte alerting exists`: whether an alert policy with this display name exists in the project — the
// deploy plan's guard before `gcloud alpha monitoring policies create` (policy ids are assigned by
// Cloud Monitoring, so there is no name to `describe`, and an empty `list` still exits 0).
import { execFile } from "node:child_process";
import { type Command, parseCommandArgs, UsageError } from "./command.js";

const usage = `Usage: riposte alerting exists --project P --display-name NAME

Exits 0 when project P has a Cloud Monitoring alert policy named NAME, 1 when it has none (asks
\`gcloud alpha monitoring policies list\`; any gcloud failure also exits 1, so the plan's create runs
and reports it).`;

/** `gcloud alpha monitoring policies list` filtered on the exact display name; the names found. */
export function listPolicies(project: string, displayName: string, gcloud = "gcloud"): Promise<string[]> {
  const filter = `displayName=${JSON.stringify(displayName)}`;
  return new Promise((resolve, reject) => {
    execFile(
      gcloud,
      [
        "alpha",
        "monitoring",
        "policies",
        "list",
        `--project=${project}`,
        `--filter=${filter}`,
        "--format=value(name)",
      ],
      (error, stdout) => (error ? reject(error) : resolve(stdout.split("\n").filter((line) => line.trim()))),
    );
  });
}

export function createAlertingCommand(list = listPolicies): Command {
  return {
    name: "alerting",
    summary: "check the Cloud Monitoring alert policies the deploy plan creates",
    usage,
    async run(args) {
      const { values, positionals } = parseCommandArgs({ usage }, args, {
        project: { type: "string" },
        "display-name": { type: "string" },
      });
      if (values.help) {
        console.log(usage);
        return 0;
      }
      if (positionals[0] !== "exists" || positionals.length > 1) {
        throw new UsageError(`expected \`alerting exists\`\n\n${usage}`);
      }
      if (!values.project || !values["display-name"]) {
        throw new UsageError(`--project and --display-name are required\n\n${usage}`);
      }
      try {
        return (await list(values.project, values["display-name"])).length > 0 ? 0 : 1;
      } catch (error) {
        console.error(`riposte alerting: ${(error as Error).message.split("\n")[0]}`);
        return 1;
      }
    },
  };
}

export const alertingCommand = createAlertingCommand();
