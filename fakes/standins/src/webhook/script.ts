// Scripted answers: what a test asks the receiver to answer instead of the normal reply (429 with
// Retry-After, 5xx, a slow answer, a dropped connection), checked when queued and consumed in
// order, path-specific queues first, then the any-path queue.

/** One scripted answer. Scripts are consumed in order; when empty the receiver answers normally. */
export interface ScriptedResponse {
  status: number;
  /** Sets the `Retry-After` header (seconds), as Slack does with 429. */
  retryAfterSeconds?: number;
  /** Body to send; defaults to Slack's word for the status (`rate_limited`, `internal_error`, …). */
  body?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (for client timeouts). */
  delayMs?: number;
  /** Destroy the connection instead of answering: the client sees a network error. */
  dropConnection?: boolean;
}

export interface ResponseScript {
  /** Only requests to exactly this path; without it, any path (after path-specific scripts). */
  path?: string;
  responses: ScriptedResponse[];
}

/** Problems in a script received as JSON (admin API) or from code: which field, what was expected. */
export class InvalidResponseScriptError extends Error {
  override readonly name = "InvalidResponseScriptError";
}

function parseHeaders(value: unknown, where: string): Record<string, string> {
  if (typeof value !== "object" || value === null) {
    throw new InvalidResponseScriptError(`${where}.headers: expected an object of strings`);
  }
  const headers: Record<string, string> = {};
  for (const [name, header] of Object.entries(value)) {
    if (typeof header !== "string") {
      throw new InvalidResponseScriptError(`${where}.headers.${name}: expected a string`);
    }
    headers[name] = header;
  }
  return headers;
}

function parseScriptedResponse(item: unknown, index: number): ScriptedResponse {
  const where = `script.responses[${index}]`;
  if (typeof item !== "object" || item === null)
    throw new InvalidResponseScriptError(`${where}: expected an object`);
  const r = item as Record<string, unknown>;
  if (typeof r.status !== "number" || !Number.isInteger(r.status) || r.status < 100 || r.status > 599) {
    throw new InvalidResponseScriptError(
      `${where}.status: expected an HTTP status 100..599, got ${JSON.stringify(r.status)}`,
    );
  }
  for (const key of ["retryAfterSeconds", "delayMs"] as const) {
    const v = r[key];
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < 0)) {
      throw new InvalidResponseScriptError(
        `${where}.${key}: expected a number >= 0, got ${JSON.stringify(v)}`,
      );
    }
  }
  if (r.body !== undefined && typeof r.body !== "string") {
    throw new InvalidResponseScriptError(`${where}.body: expected a string`);
  }
  if (r.dropConnection !== undefined && typeof r.dropConnection !== "boolean") {
    throw new InvalidResponseScriptError(`${where}.dropConnection: expected a boolean`);
  }
  const headers = r.headers === undefined ? undefined : parseHeaders(r.headers, where);
  return {
    status: r.status,
    ...(r.retryAfterSeconds !== undefined && { retryAfterSeconds: r.retryAfterSeconds as number }),
    ...(r.delayMs !== undefined && { delayMs: r.delayMs as number }),
    ...(r.body !== undefined && { body: r.body as string }),
    ...(r.dropConnection !== undefined && { dropConnection: r.dropConnection as boolean }),
    ...(headers !== undefined && { headers }),
  };
}

/** Checks a script (e.g. parsed from the admin API) and returns it typed. */
export function parseResponseScript(input: unknown): ResponseScript {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new InvalidResponseScriptError(
      `script: expected an object {path?, responses}, got ${typeof input}`,
    );
  }
  const raw = input as Record<string, unknown>;
  if (raw.path !== undefined && (typeof raw.path !== "string" || !raw.path.startsWith("/"))) {
    throw new InvalidResponseScriptError(
      `script.path: expected a string starting with "/", got ${JSON.stringify(raw.path)}`,
    );
  }
  if (!Array.isArray(raw.responses)) {
    throw new InvalidResponseScriptError("script.responses: expected an array");
  }
  const responses = raw.responses.map(parseScriptedResponse);
  return { ...(typeof raw.path === "string" && { path: raw.path }), responses };
}

/** The queues of answers still to give. */
export interface ScriptQueues {
  /** Checks `script` and queues its answers. */
  add(script: ResponseScript): void;
  /** Takes the next answer for a request to `path`, if any. */
  next(path: string): ScriptedResponse | undefined;
  clear(): void;
}

export function createScriptQueues(): ScriptQueues {
  const byPath = new Map<string, ScriptedResponse[]>();
  let anyPath: ScriptedResponse[] = [];
  return {
    add(script) {
      const checked = parseResponseScript(script);
      if (checked.path === undefined) {
        anyPath.push(...checked.responses);
        return;
      }
      const queue = byPath.get(checked.path) ?? [];
      queue.push(...checked.responses);
      byPath.set(checked.path, queue);
    },
    next(path) {
      const forPath = byPath.get(path);
      if (forPath && forPath.length > 0) return forPath.shift();
      return anyPath.shift();
    },
    clear() {
      byPath.clear();
      anyPath = [];
    },
  };
}
