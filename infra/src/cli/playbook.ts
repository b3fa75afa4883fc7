// `riposte playbook validate FILE` and `riposte playbook deploy FILE --project P [--region R]`: a team's
// playbooks checked with the router's own loader, stored as a new Secret Manager version and rolled out
// to the router pinned to that version (see deploy/playbooks.ts for why a secret).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type CommandRunner, spawnRunner } from "../deploy/apply.js";
import { argvOf } from "../deploy/commands.js";
import {
  PLAYBOOKS_SECRET,
  PlaybookFileError,
  readValidPlaybooks,
  rollRouterCall,
  secretVersionOf,
  storePlaybooksCommands,
} from "../deploy/playbooks.js";
import { type Command, parseCommandArgs, UsageError } from "./command.js";
import { playbookExplain } from "./playbook-explain.js";
import { playbookTest } from "./playbook-test.js";

const usage = `Usage: riposte playbook validate FILE
       riposte playbook deploy FILE --project P [--region R]
       riposte playbook test FILE CASES… [--json]
       riposte playbook explain FILE ALERT

validate  checks FILE with the router's own loader; problems are printed as file:line:column: message
deploy    validates FILE (nothing changes when it is invalid), creates the secret ${PLAYBOOKS_SECRET} if
          missing, lets the router's account read it, stores FILE as a new version and rolls the
          Cloud Run service \`router\` to that version (mounted at PLAYBOOKS_FILE, PLAYBOOKS_VERSION set)
test      runs case files (an alert and the decision expected) through FILE; exit 1 on any failure
explain   why the router would do what it does with ALERT: each playbook's first failed condition
          and each param's playbook (\`riposte playbook test|explain --help\` for more)

Options:
  --project P   Google Cloud project id (deploy)
  --region R    the router's Cloud Run region (default: gcloud's run/region)`;

export interface PlaybookCommandDeps {
  runner: CommandRunner;
  out(text: string): void;
  err(text: string): void;
}

export class PlaybookDeployError extends Error {
  override readonly name = "PlaybookDeployError";
}

export function createPlaybookCommand(deps: PlaybookCommandDeps): Command {
  return {
    name: "playbook",
    summary: "validate, test or explain a playbook file, or deploy it to the router on Cloud Run",
    usage,
    async run(args) {
      if (args[0] === "test") return playbookTest(args.slice(1), deps);
      if (args[0] === "explain") return playbookExplain(args.slice(1), deps);
      const { values, positionals } = parseCommandArgs({ usage }, args, {
        project: { type: "string" },
        region: { type: "string" },
      });
      if (values.help) {
        deps.out(usage);
        return 0;
      }
      const [action, file, ...extra] = positionals;
      if ((action !== "validate" && action !== "deploy") || !file || extra.length > 0) {
        throw new UsageError(`expected \`playbook validate FILE\` or \`playbook deploy FILE\`\n\n${usage}`);
      }
      if (action === "deploy" && !values.project) throw new UsageError(`--project is required\n\n${usage}`);
      const path = resolve(file);
      let count: number;
      let bytes: Buffer;
      try {
        ({ count, bytes } = readValidPlaybooks(path));
      } catch (error) {
        if (!(error instanceof PlaybookFileError)) throw error;
        deps.err(`${error.message}\n${file} is invalid${action === "deploy" ? ": nothing was changed" : ""}`);
        return 1;
      }
      deps.out(`${file}: ${count} playbook${count === 1 ? "" : "s"}, valid`);
      if (action === "validate") return 0;
      // What is stored is what was validated: a private copy of those bytes, not the path, which
      // can be edited between the check and the upload.
      const copyDir = mkdtempSync(join(tmpdir(), "riposte-playbooks-"));
      const copy = join(copyDir, "playbooks.yaml");
      let version: string;
      try {
        writeFileSync(copy, bytes, { mode: 0o600 });
        version = await storeAndRoll(copy, values.project as string, values.region, deps);
      } finally {
        rmSync(copyDir, { recursive: true, force: true });
      }
      deps.out(`The router runs ${PLAYBOOKS_SECRET} version ${version} (${count} playbooks).`);
      return 0;
    },
  };
}

async function storeAndRoll(
  file: string,
  project: string,
  region: string | undefined,
  deps: PlaybookCommandDeps,
): Promise<string> {
  const run = async (argv: string[], capture: boolean, consequence: string) => {
    deps.out(`$ ${argv.join(" ")}`);
    const result = await deps.runner.run(argv, { capture, quiet: false });
    if (result.code !== 0) {
      throw new PlaybookDeployError(`\`${argv.join(" ")}\` exited with code ${result.code}: ${consequence}`);
    }
    return result.stdout;
  };
  let version: string | undefined;
  for (const command of storePlaybooksCommands(file, project)) {
    if (command.unless) {
      const check = await deps.runner.run(argvOf(command.unless), { capture: false, quiet: true });
      if (check.code === 0) continue;
    }
    const stdout = await run(
      argvOf(command.call),
      Boolean(command.capture),
      "no new playbook version was stored; the router still runs its previous playbooks",
    );
    if (command.capture) {
      version = secretVersionOf(stdout);
      if (!version) {
        throw new PlaybookDeployError(
          `\`${argvOf(command.call).join(" ")}\` printed ${JSON.stringify(stdout.trim())}, not a version number; the router still runs its previous playbooks`,
        );
      }
    }
  }
  if (!version) throw new PlaybookDeployError("no playbook version was stored");
  const roll = argvOf(rollRouterCall(project, region, version));
  await run(
    roll,
    false,
    `version ${version} of ${PLAYBOOKS_SECRET} is stored, but the router still runs its previous playbooks; fix the cause and run \`${roll.join(" ")}\``,
  );
  return version;
}

export const playbookCommand: Command = createPlaybookCommand({
  runner: spawnRunner(process.cwd()),
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
