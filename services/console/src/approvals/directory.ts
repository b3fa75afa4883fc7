// Who is in a group, for approvers named `group:EMAIL`: Cloud Identity's Groups API, the same directory
// Google Workspace and IAM groups live in. Two calls per check — groups:lookup (the group's email → its
// resource name, cached: it never changes) and memberships:checkTransitiveMembership (nested groups
// count, never cached: a removal must take effect at once). A check that cannot be answered (an
// error, a timeout) throws ApproverCheckError: the caller refuses, it never approves on a guess.
import { GoogleAuth } from "google-auth-library";
import { z } from "zod";
import { untilAborted } from "./abort.js";

export interface ApproverDirectory {
  /** Whether `email` is a member of `group` (an email), directly or through nested groups. */
  isMember(group: string, email: string, signal: AbortSignal): Promise<boolean>;
}

/** The directory could not say (unreachable, timed out, refused us): nobody is approved on it. */
export class ApproverCheckError extends Error {
  override readonly name = "ApproverCheckError";
}

export interface CloudIdentityDirectoryOptions {
  /** https://cloudidentity.googleapis.com, or a stand-in's URL (config CLOUD_IDENTITY_URL). */
  baseUrl: string;
  /** A bearer token for the API (google-auth-library in production), or none for a stand-in. */
  accessToken: () => Promise<string | undefined>;
  fetch?: typeof fetch;
  /** Clock for the lookup cache. */
  now?: () => number;
}

/** A group's resource name is fixed for its life; an hour bounds what a deleted and re-created group costs. */
const LOOKUP_TTL_MS = 3_600_000;
const LOOKUP_CACHE_MAX = 1_000;

const LookupAnswer = z.object({ name: z.string().regex(/^groups\/[A-Za-z0-9_-]{1,128}$/) });
const MembershipAnswer = z.object({ hasMembership: z.boolean().default(false) });

/** Google's Cloud Identity API (config CLOUD_IDENTITY_URL's default). */
export const GOOGLE_CLOUD_IDENTITY_URL = "https://cloudidentity.googleapis.com";
/** Read-only access to groups: what checkTransitiveMembership and lookup need. */
export const CLOUD_IDENTITY_SCOPE = "https://www.googleapis.com/auth/cloud-identity.groups.readonly";

/**
 * The directory at `baseUrl` with the right credentials: Google's API gets a token of the caller's
 * Google credentials (the service account on Cloud Run, the operator's for the CLI); any other URL (a
 * stand-in in `riposte dev` and tests) gets none, so no Google token ever leaves for another host.
 */
export function cloudIdentityDirectoryFor(baseUrl: string): ApproverDirectory {
  const google = baseUrl.replace(/\/+$/, "") === GOOGLE_CLOUD_IDENTITY_URL;
  let auth: GoogleAuth | undefined;
  const accessToken = async () => {
    if (!google) return undefined;
    auth ??= new GoogleAuth({ scopes: [CLOUD_IDENTITY_SCOPE] });
    return (await auth.getAccessToken()) ?? undefined;
  };
  return createCloudIdentityDirectory({ baseUrl, accessToken });
}

export function createCloudIdentityDirectory(options: CloudIdentityDirectoryOptions): ApproverDirectory {
  const base = options.baseUrl.replace(/\/+$/, "");
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const groups = new Map<string, { name: string | null; until: number }>();

  async function get(url: string, signal: AbortSignal, what: string): Promise<Response> {
    try {
      // The token too is bounded by the signal: a metadata server that hangs must not hang the decision.
      const token = await untilAborted(options.accessToken(), signal);
      return await fetchImpl(url, {
        signal,
        headers: { accept: "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
    } catch (error) {
      const why = signal.aborted ? "timed out" : (error as Error).message;
      throw new ApproverCheckError(`Cloud Identity ${what}: ${why}`);
    }
  }

  /** The group's resource name, or null when no such group exists (nobody is then its member). */
  async function lookup(group: string, signal: AbortSignal): Promise<string | null> {
    const cached = groups.get(group);
    if (cached && cached.until > now()) return cached.name;
    const url = `${base}/v1/groups:lookup?${new URLSearchParams({ "groupKey.id": group })}`;
    const response = await get(url, signal, `lookup of group ${group}`);
    if (response.status === 404) return remember(group, null);
    const body = await answerOf(response, `lookup of group ${group}`);
    const parsed = LookupAnswer.safeParse(body);
    if (!parsed.success)
      throw new ApproverCheckError(`Cloud Identity lookup of group ${group}: unexpected answer`);
    return remember(group, parsed.data.name);
  }

  function remember(group: string, name: string | null): string | null {
    if (groups.size >= LOOKUP_CACHE_MAX) groups.delete(groups.keys().next().value as string);
    groups.set(group, { name, until: now() + LOOKUP_TTL_MS });
    return name;
  }

  return {
    async isMember(group, email, signal) {
      const name = await lookup(group, signal);
      if (name === null) return false;
      // The email is a validated address (no quote can reach the CEL string).
      const query = new URLSearchParams({ query: `member_key_id == '${email}'` });
      const what = `membership check of ${email} in ${group}`;
      const response = await get(
        `${base}/v1/${name}/memberships:checkTransitiveMembership?${query}`,
        signal,
        what,
      );
      const parsed = MembershipAnswer.safeParse(await answerOf(response, what));
      if (!parsed.success) throw new ApproverCheckError(`Cloud Identity ${what}: unexpected answer`);
      return parsed.data.hasMembership;
    },
  };
}

/** The JSON of a 2xx answer; anything else is an ApproverCheckError naming the status and Google's message. */
async function answerOf(response: Response, what: string): Promise<unknown> {
  const text = await response.text().catch(() => "");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.ok && body !== undefined) return body;
  const message = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
  const detail = typeof message === "string" ? `: ${message.slice(0, 200)}` : "";
  const hint =
    response.status === 403
      ? " (the caller needs the Groups Reader admin role in Google Workspace, and membership checks need Cloud Identity Premium or Workspace Enterprise)"
      : "";
  throw new ApproverCheckError(`Cloud Identity ${what}: HTTP ${response.status}${detail}${hint}`);
}
