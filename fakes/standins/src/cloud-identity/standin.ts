// A local stand-in for the Cloud Identity Groups API (https://cloudidentity.googleapis.com/v1), the two
// methods an approver check calls: GET /v1/groups:lookup?groupKey.id=EMAIL (→ {name: "groups/ID"},
// 404 NOT_FOUND for an unknown group) and GET /v1/groups/ID/memberships:checkTransitiveMembership?query=
// member_key_id == 'EMAIL' (→ {hasMembership}, nested groups followed, cycles harmless). Errors have
// Google's JSON shape ({error: {code, message, status}}). Faults (a status, a hang) can be injected per
// method, and every request is recorded with its headers and the status it got.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, headersOf, listen, sendJson } from "../http-io.js";

export type CloudIdentityMethod = "lookup" | "checkTransitiveMembership";

export interface CloudIdentityFault {
  /** Which method fails; without it, either. */
  on?: CloudIdentityMethod;
  /** The HTTP status answered (default 503), unless `hang`. */
  status?: number;
  /** Never answer (the connection stays open until the stand-in closes): the caller's timeout must end it. */
  hang?: boolean;
  /** How many matching requests it applies to. Default 1. */
  times?: number;
}

export interface CloudIdentityRequest {
  seq: number;
  method?: CloudIdentityMethod;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** 0 when the request was left hanging. */
  status: number;
}

export interface CloudIdentityStandin {
  /** Give it to the console as CLOUD_IDENTITY_URL. */
  readonly url: string;
  readonly port: number;
  readonly requests: readonly CloudIdentityRequest[];
  /** Creates (or replaces) a group: `members` are emails of users or of other groups (nesting). */
  setGroup(email: string, members: readonly string[]): void;
  deleteGroup(email: string): void;
  fail(fault: CloudIdentityFault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export interface StartCloudIdentityStandinOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

const LOOKUP_PATH = "/v1/groups:lookup";
const CHECK_PATH = /^\/v1\/groups\/([A-Za-z0-9_-]+)\/memberships:checkTransitiveMembership$/;
/** The one query form the API documents for a member: member_key_id == 'ID'. */
const MEMBER_QUERY = /^\s*member_key_id\s*==\s*'([^'\\]{1,254})'\s*$/;

interface Answer {
  status: number;
  json: unknown;
}

const googleError = (status: number, code: string, message: string): Answer => ({
  status,
  json: { error: { code: status, message, status: code } },
});

export async function startCloudIdentityStandin(
  options: StartCloudIdentityStandinOptions = {},
): Promise<CloudIdentityStandin> {
  // Group email (lower case) → its id and members (lower case); ids are stable while a group exists.
  const groups = new Map<string, { id: string; members: Set<string> }>();
  const requests: CloudIdentityRequest[] = [];
  let faults: (CloudIdentityFault & { times: number })[] = [];
  let nextId = 1;
  const hanging = new Set<ServerResponse>();

  const byId = (id: string) => [...groups.entries()].find(([, group]) => group.id === id);

  /** Whether `member` is in `group` or in a group nested in it, however deep. */
  function transitive(groupEmail: string, member: string, seen = new Set<string>()): boolean {
    if (seen.has(groupEmail)) return false;
    seen.add(groupEmail);
    const group = groups.get(groupEmail);
    if (!group) return false;
    if (group.members.has(member)) return true;
    return [...group.members].some((nested) => groups.has(nested) && transitive(nested, member, seen));
  }

  function takeFault(method: CloudIdentityMethod): CloudIdentityFault | undefined {
    const index = faults.findIndex((fault) => fault.on === undefined || fault.on === method);
    const fault = faults[index];
    if (!fault) return undefined;
    fault.times -= 1;
    if (fault.times <= 0) faults.splice(index, 1);
    return fault;
  }

  function route(path: string, query: URLSearchParams): { method?: CloudIdentityMethod; run: () => Answer } {
    if (path === LOOKUP_PATH) {
      return {
        method: "lookup",
        run: () => {
          const email = query.get("groupKey.id")?.toLowerCase();
          if (!email) return googleError(400, "INVALID_ARGUMENT", "groupKey.id is required");
          const group = groups.get(email);
          if (!group) return googleError(404, "NOT_FOUND", "Requested entity was not found.");
          return { status: 200, json: { name: `groups/${group.id}` } };
        },
      };
    }
    const check = CHECK_PATH.exec(path);
    if (check) {
      return {
        method: "checkTransitiveMembership",
        run: () => {
          const found = byId(check[1] as string);
          if (!found) return googleError(404, "NOT_FOUND", "Requested entity was not found.");
          const member = MEMBER_QUERY.exec(query.get("query") ?? "");
          if (!member) return googleError(400, "INVALID_ARGUMENT", "Request contains an invalid argument.");
          const hasMembership = transitive(found[0], (member[1] as string).toLowerCase());
          return { status: 200, json: { hasMembership } };
        },
      };
    }
    return { run: () => googleError(404, "NOT_FOUND", `The stand-in does not serve ${path}`) };
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? "/", "http://standin");
    const { method, run } =
      request.method === "GET"
        ? route(url.pathname, url.searchParams)
        : { run: () => googleError(405, "METHOD_NOT_ALLOWED", "GET only") };
    const record: CloudIdentityRequest = {
      seq: requests.length + 1,
      ...(method ? { method } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: headersOf(request),
      status: 0,
    };
    requests.push(record);
    const fault = method ? takeFault(method) : undefined;
    if (fault?.hang) {
      hanging.add(response);
      response.on("close", () => hanging.delete(response));
      return;
    }
    const answer = fault
      ? googleError(fault.status ?? 503, "UNAVAILABLE", "injected by the Cloud Identity stand-in")
      : run();
    record.status = answer.status;
    sendJson(response, answer.status, answer.json);
  }

  const server = createServer(handle);
  const { port, url } = await listen(server, options.port ?? 0, options.host ?? "127.0.0.1");
  return {
    url,
    port,
    requests,
    setGroup(email, members) {
      const key = email.toLowerCase();
      const id = groups.get(key)?.id ?? `0standin${String(nextId++).padStart(6, "0")}`;
      groups.set(key, { id, members: new Set(members.map((member) => member.toLowerCase())) });
    },
    deleteGroup: (email) => void groups.delete(email.toLowerCase()),
    fail(fault) {
      const times = fault.times ?? 1;
      if (!Number.isInteger(times) || times < 1)
        throw new RangeError(`fault.times must be ≥ 1, got ${times}`);
      faults.push({ ...fault, times });
    },
    clearFaults: () => {
      faults = [];
    },
    close: () => {
      for (const response of hanging) response.destroy();
      return closeServer(server);
    },
  };
}
