// `riposte approve KEY ACTION` / `riposte deny KEY ACTION`: decide a held action with the console's
// decide() — the same rules as Slack and the web console: only an approver, exactly one decision ever,
// none at or after the deadline; the winner publishes the held command to its action's topic
// (approved) or a refused outcome to action-outcomes (denied). Exit 0 decided, 1 refused (why, on
// stderr: who decided what, how and when), 2 usage. Nothing is decided when the decider is unknown.
import {
  ApproverCheckError,
  type ApproverDirectory,
  acceptsLocalIdentities,
  cloudIdentityDirectoryFor,
  decide,
  GOOGLE_CLOUD_IDENTITY_URL,
} from "@riposte/console";
import {
  APPROVABLE_ACTIONS,
  isApprovableAction,
  isIncidentKey,
  parseOperatorReason,
} from "@riposte/contracts";
import { createPubSubPublisher, createSilentLogger } from "@riposte/service-kit";
import { GoogleAuth } from "google-auth-library";
import { makeVisible } from "../dev/log-format.js";
import { type Command, parseCommandArgs, UsageError } from "./command.js";
import { readCliEnv } from "./config.js";
import { googleIdentity, localIdentity } from "./decider-identity.js";
import { isIncidentKeyOrShort, resolveIncident, UnresolvedIncidentError } from "./incident.js";
import { type LedgerTarget, openLedgerTarget } from "./ledger-target.js";
import { openPubsubTarget, type PubSubTarget } from "./pubsub-target.js";

type Decision = "approved" | "denied";

function usageOf(verb: "approve" | "deny"): string {
  const what =
    verb === "approve"
      ? "Lets the held command go: it is published to its action's topic, carrying who approved it."
      : "Refuses the held action for good: a refused outcome goes to action-outcomes (Slack thread, SCC finding).";
  return `Usage: riposte ${verb} KEY ACTION [--reason TEXT] [--project P]

${what}
KEY is the incident key or its 12-character short key (as Slack and \`riposte approvals list\` show
it); ACTION the held action (${APPROVABLE_ACTIONS.join(", ")}). Exit 1, with who decided what, via what
and when, when it was already decided, its deadline passed, you are not among its approvers, or no
such action is held; nothing is decided then.

  --reason TEXT   why, for the audit trail (one line of plain text, at most 500 characters)
  --project P     decide in project P's ledger and publish to its Pub/Sub, as \`user:EMAIL\` of your
                  Google credentials (Application Default Credentials; group approvers are checked in
                  Cloud Identity with them). Default: the emulators of the running \`riposte dev\`
                  (or FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST), as local:<your OS user>.`;
}

/** The checked --reason, or none; a UsageError (nothing done) when it is not one line of text. */
function reasonOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const parsed = parseOperatorReason(text);
  if (!parsed.ok) throw new UsageError(parsed.error);
  return parsed.reason;
}

/** Group approvers cannot be checked locally: there is no directory; a local decider never needs one. */
const NO_DIRECTORY: ApproverDirectory = {
  isMember: async () => {
    throw new ApproverCheckError("no group directory against the emulators");
  },
};

/** A decision published where nobody listens would be lost: both ends must be the emulators, or neither. */
function checkSameWorld(ledger: LedgerTarget, pubsub: PubSubTarget): void {
  if ((ledger.emulatorHost === undefined) === (pubsub.emulatorHost === undefined)) return;
  throw new UsageError(
    `the ledger is ${ledger.describe} but Pub/Sub is ${pubsub.describe}: a decision would be published where its ledger is not; set both FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST, or neither`,
  );
}

/** The incident `typed` names: itself, or the one incident its short key starts; undefined after saying why. */
async function incidentOf(target: LedgerTarget, typed: string): Promise<string | undefined> {
  if (isIncidentKey(typed)) return typed;
  try {
    return resolveIncident(typed, await target.ledger.findIncidentKeys(typed));
  } catch (error) {
    if (!(error instanceof UnresolvedIncidentError)) throw error;
    console.error(makeVisible(`${error.message} (${target.describe}); nothing was decided`));
    return undefined;
  }
}

async function run(verb: "approve" | "deny", decision: Decision, args: string[]): Promise<number> {
  const usage = usageOf(verb);
  const { values, positionals } = parseCommandArgs({ usage }, args, {
    reason: { type: "string" },
    project: { type: "string" },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const [key, action, ...extra] = positionals;
  if (!key || !action || extra.length > 0)
    throw new UsageError(`name the incident and the action\n\n${usage}`);
  if (!isIncidentKeyOrShort(key))
    throw new UsageError(
      `expected an incident key (32 lowercase hex characters) or its 12-character short key, got ${makeVisible(JSON.stringify(key.slice(0, 40)))}`,
    );
  if (!isApprovableAction(action))
    throw new UsageError(
      `${makeVisible(JSON.stringify(action.slice(0, 40)))} is not an action that can be held; expected one of ${APPROVABLE_ACTIONS.join(", ")}`,
    );
  const reason = reasonOf(values.reason);
  const env = readCliEnv();
  const ledger = await openLedgerTarget(env, values.project);
  try {
    const pubsub = await openPubsubTarget(env, values.project);
    // As the console's: a publish reported failed must not land late beside the scheduled call's.
    const publisher = createPubSubPublisher({ pubsub: pubsub.pubsub, endRetriesBeforeTimeout: true });
    try {
      checkSameWorld(ledger, pubsub);
      const acceptLocal = acceptsLocalIdentities({ FIRESTORE_EMULATOR_HOST: ledger.emulatorHost });
      // Who decides is settled before anything is read or written in their name.
      const identity = acceptLocal ? localIdentity() : await googleIdentity(new GoogleAuth());
      const incident = await incidentOf(ledger, key);
      if (!incident) return 1;
      const result = await decide(
        {
          ledger: ledger.ledger,
          publisher,
          directory: acceptLocal ? NO_DIRECTORY : cloudIdentityDirectoryFor(GOOGLE_CLOUD_IDENTITY_URL),
          acceptLocal,
          logger: createSilentLogger(),
        },
        { ref: { incident, action }, decision, identity, via: "cli", ...(reason ? { reason } : {}) },
      );
      if (!result.ok) {
        console.error(makeVisible(`riposte ${verb}: ${result.message}`));
        return result.refusal === "invalid" ? 2 : 1;
      }
      if (result.published) console.log(makeVisible(result.message));
      else console.error(makeVisible(`riposte ${verb}: warning: ${result.message}`));
      return 0;
    } finally {
      await publisher.close();
    }
  } finally {
    await ledger.close();
  }
}

export const approveCommand: Command = {
  name: "approve",
  summary: "let a held action go (KEY ACTION [--reason]), as an approver",
  usage: usageOf("approve"),
  run: (args) => run("approve", "approved", args),
};

export const denyCommand: Command = {
  name: "deny",
  summary: "refuse a held action for good (KEY ACTION [--reason]), as an approver",
  usage: usageOf("deny"),
  run: (args) => run("deny", "denied", args),
};
