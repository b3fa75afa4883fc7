// `riposte approvals list`: the actions playbooks held for a person's decision, read from the incident
// ledger (Firestore) — locally the emulator `npm start` runs, or a project's database.
import { APPROVAL_STATES, type ApprovalState } from "@riposte/contracts";
import { approvalListJson, approvalListLines } from "./approvals-view.js";
import { type Command, parseCommandArgs, UsageError } from "./command.js";
import { readCliEnv } from "./config.js";
import { terminalJson } from "./incidents-view.js";
import { openLedgerTarget } from "./ledger-target.js";

const DEFAULT_LIMIT = 50;
/** The ledger's listing reads at most this many. */
const MAX_LIMIT = 500;

const usage = `Usage: riposte approvals list [--state ${APPROVAL_STATES.join("|")}] [--limit N] [--json] [--project P]

One line per action a playbook held for approval: short key, action, state, target, then the deadline
and what on_timeout does (awaiting), or who decided, via what, when and why; then the approvers.
Awaiting ones soonest deadline first, the others (and all of them, without --state) newest first;
at most --limit (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}). Decide with \`riposte approve|deny KEY ACTION\`.

--json prints a versioned, documented shape ({"version": 1, …}; see the README).
Reads the ledger of the running \`npm start\` (or FIRESTORE_EMULATOR_HOST); with --project P, project
P's Firestore database (LEDGER_DATABASE; LEDGER_PROJECT when the ledger lives in another project).
Text from alerts is printed with control characters shown as \\uXXXX.`;

function parseState(text: string | undefined): ApprovalState | undefined {
  if (text === undefined) return undefined;
  if ((APPROVAL_STATES as readonly string[]).includes(text)) return text as ApprovalState;
  throw new UsageError(`--state: expected one of ${APPROVAL_STATES.join(", ")}, got ${JSON.stringify(text)}`);
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > MAX_LIMIT)
    throw new UsageError(
      `--limit: expected a whole number from 1 to ${MAX_LIMIT}, got ${JSON.stringify(text)}`,
    );
  return limit;
}

async function list(values: {
  state?: string | undefined;
  limit?: string | undefined;
  json?: boolean | undefined;
  project?: string | undefined;
}): Promise<number> {
  const state = parseState(values.state);
  const limit = parseLimit(values.limit);
  const target = await openLedgerTarget(readCliEnv(), values.project);
  try {
    // One more than asked says whether more match (at the ledger's maximum, a full page may have more).
    const found = await target.ledger.listApprovals({
      ...(state ? { state } : {}),
      limit: Math.min(limit + 1, MAX_LIMIT),
    });
    const approvals = found.slice(0, limit);
    const truncated = found.length > limit || found.length === MAX_LIMIT;
    if (values.json) console.log(terminalJson(approvalListJson(approvals, { state, truncated })));
    else for (const line of approvalListLines(approvals, truncated)) console.log(line);
    return 0;
  } finally {
    await target.close();
  }
}

export const approvalsCommand: Command = {
  name: "approvals",
  summary: "the actions held for a person's decision (list), from the ledger",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs({ usage }, args, {
      state: { type: "string" },
      limit: { type: "string" },
      json: { type: "boolean" },
      project: { type: "string" },
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    const [subcommand, ...extra] = positionals;
    if (subcommand === "list" && extra.length === 0) return list(values);
    throw new UsageError(`expected \`list\`\n\n${usage}`);
  },
};
