// Who may decide a held action: an approver its policy lists (`user:EMAIL`), a member of a group it
// lists (`group:EMAIL`, asked of the directory), or — only when the ledger is the Firestore emulator,
// i.e. on a developer's machine — a local operator (`local:NAME`). A directory that cannot answer in
// time refuses: a held kill is never let go on a guess.
import { untilAborted } from "./abort.js";
import { ApproverCheckError, type ApproverDirectory } from "./directory.js";

export type Authorization =
  | { ok: true; as: "listed" | "group" | "local" }
  | { ok: false; refusal: "not-an-approver" | "approver-check-failed"; why: string };

export interface AuthorizeOptions {
  directory: ApproverDirectory;
  /** Whether `local:NAME` identities may decide (the ledger is the Firestore emulator). */
  acceptLocal: boolean;
  /** The longest all group checks together may take. */
  timeoutMs: number;
}

/** `identity` is a parsed decider (`user:EMAIL` in lower case, or `local:NAME`); `approvers` the policy's. */
export async function authorize(
  identity: string,
  approvers: readonly string[],
  options: AuthorizeOptions,
): Promise<Authorization> {
  if (identity.startsWith("local:")) {
    return options.acceptLocal
      ? { ok: true, as: "local" }
      : {
          ok: false,
          refusal: "not-an-approver",
          why: "local identities are accepted only against the emulators (a local `riposte dev`)",
        };
  }
  if (approvers.includes(identity)) return { ok: true, as: "listed" };
  const groups = approvers.filter((approver) => approver.startsWith("group:")).map((g) => g.slice(6));
  const notListed = `${identity} is not among its approvers (${approvers.join(", ")})`;
  if (groups.length === 0) return { ok: false, refusal: "not-an-approver", why: notListed };
  const checks = await checkGroups(identity.slice("user:".length), groups, options);
  if (checks.some((check) => check.member === true)) return { ok: true, as: "group" };
  const failed = checks.filter((check) => check.error !== undefined);
  if (failed.length === 0)
    return { ok: false, refusal: "not-an-approver", why: `${notListed}, nor in any of its groups` };
  const why = failed.map((check) => `group:${check.group}: ${check.error}`).join("; ");
  return {
    ok: false,
    refusal: "approver-check-failed",
    why: `could not check whether ${identity} is in its approver groups (${why}); nothing was decided, try again`,
  };
}

interface GroupCheck {
  group: string;
  member?: boolean;
  error?: string;
}

/** Every group at once, all within `timeoutMs`; the first membership found ends the others. */
async function checkGroups(
  email: string,
  groups: readonly string[],
  options: AuthorizeOptions,
): Promise<GroupCheck[]> {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(new ApproverCheckError(`the directory did not answer within ${options.timeoutMs} ms`)),
    options.timeoutMs,
  );
  try {
    return await Promise.all(
      groups.map(async (group): Promise<GroupCheck> => {
        try {
          const member = await untilAborted(
            options.directory.isMember(group, email, controller.signal),
            controller.signal,
          );
          if (member) controller.abort(new ApproverCheckError("another group answered"));
          return { group, member };
        } catch (error) {
          return { group, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
  } finally {
    clearTimeout(timer);
  }
}
