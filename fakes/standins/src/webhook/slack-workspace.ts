// The Slack workspace the stand-in's Web API answers about: its members (id → profile) and the one
// bot token it accepts with that token's scopes. A real workspace gives a member's email to users.info
// only when the token has `users:read.email`, so the scopes are part of the stand-in.

/** A member of the stand-in workspace, in the stand-in's own shape (users.info answers Slack's). */
export interface SlackStandinUser {
  /** Slack user id: `U…` or `W…` (Enterprise Grid). */
  id: string;
  email?: string;
  /** The legacy username (`name`); defaults to the email's local part or the id. */
  name?: string;
  realName?: string;
  displayName?: string;
  /** A deactivated account: users.info still answers it, with `deleted: true`. */
  deleted?: boolean;
  isBot?: boolean;
  /** The member's own workspace; default the stand-in's (standinTeamId). */
  teamId?: string;
  /** A member of another organisation seen through a shared channel (Slack Connect): `is_stranger: true`. */
  isStranger?: boolean;
}

/** What the stand-in accepts as a bot token unless told otherwise. */
export const defaultSlackBotToken = "xoxb-riposte-standin";

/** The scopes the default bot token has: enough for users.info with emails. */
export const defaultSlackBotScopes: readonly string[] = ["users:read", "users:read.email"];

export const standinTeamId = "T0STANDIN";

export interface SlackWorkspace {
  readonly botToken: string;
  readonly botScopes: readonly string[];
  user(id: string): SlackStandinUser | undefined;
  /** Adds a member or replaces the one with the same id. */
  addUser(user: SlackStandinUser): void;
}

export function createSlackWorkspace(options: {
  botToken?: string;
  botScopes?: readonly string[];
  users?: readonly SlackStandinUser[];
}): SlackWorkspace {
  const users = new Map<string, SlackStandinUser>();
  const workspace: SlackWorkspace = {
    botToken: options.botToken ?? defaultSlackBotToken,
    botScopes: options.botScopes ?? defaultSlackBotScopes,
    user: (id) => users.get(id),
    addUser(user) {
      users.set(user.id, parseSlackUser(user, "user"));
    },
  };
  for (const user of options.users ?? []) workspace.addUser(user);
  return workspace;
}

/** Problems in a user given to the stand-in (from code or the admin API): which field, what was expected. */
export class InvalidSlackUserError extends Error {
  override readonly name = "InvalidSlackUserError";
}

const optionalStrings = ["email", "name", "realName", "displayName"] as const;
const optionalBooleans = ["deleted", "isBot", "isStranger"] as const;

/** Checks a user received as JSON (admin API) or from code, and returns it typed. */
export function parseSlackUser(input: unknown, where: string): SlackStandinUser {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new InvalidSlackUserError(`${where}: expected an object {id, email?, …}`);
  }
  const raw = input as Record<string, unknown>;
  if (typeof raw.id !== "string" || !/^[UW][A-Z0-9]{1,20}$/.test(raw.id)) {
    throw new InvalidSlackUserError(
      `${where}.id: expected a Slack user id (U or W, then up to 20 of A-Z 0-9), got ${JSON.stringify(raw.id)}`,
    );
  }
  const user: SlackStandinUser = { id: raw.id };
  if (raw.teamId !== undefined) {
    if (typeof raw.teamId !== "string" || !/^T[A-Z0-9]{1,20}$/.test(raw.teamId)) {
      throw new InvalidSlackUserError(
        `${where}.teamId: expected a Slack team id (T, then up to 20 of A-Z 0-9)`,
      );
    }
    user.teamId = raw.teamId;
  }
  for (const key of optionalStrings) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== "string") throw new InvalidSlackUserError(`${where}.${key}: expected a string`);
    user[key] = value;
  }
  for (const key of optionalBooleans) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== "boolean") throw new InvalidSlackUserError(`${where}.${key}: expected a boolean`);
    user[key] = value;
  }
  return user;
}
