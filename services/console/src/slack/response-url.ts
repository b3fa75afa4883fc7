// A click's response_url is where the console answers it (the in-place update, an ephemeral refusal).
// It arrives in the request, so it is confined to Slack's own host before the console posts anything
// to it: https://hooks.slack.com/actions/… (or the one origin config names for the stand-in), with
// no credentials and no redirects followed — otherwise a forged or leaked signature would make the
// console post to any address it can reach (metadata server, internal services): SSRF.

export type ConfinedUrl = { ok: true; url: URL } | { ok: false; reason: string };

/** `url` if it is under `base`'s origin and `/actions/` below base's path; else why not. */
export function confineResponseUrl(url: string, base: string): ConfinedUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: "response_url: not a URL" };
  }
  const allowed = new URL(base);
  const prefix = `${allowed.pathname.replace(/\/+$/, "")}/actions/`;
  if (
    parsed.origin !== allowed.origin ||
    parsed.username !== "" ||
    parsed.password !== "" ||
    !parsed.pathname.startsWith(prefix)
  ) {
    return { ok: false, reason: `response_url: not a Slack response URL (${allowed.origin}${prefix}…)` };
  }
  return { ok: true, url: parsed };
}

/** Posts `body` as JSON; resolves with Slack's status, rejects on a network error or timeout. */
export type ResponsePoster = (url: URL, body: unknown) => Promise<number>;

/** A poster with a timeout per attempt and no redirects (a confined URL must stay confined). */
export function createResponsePoster(
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): ResponsePoster {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 3_000;
  return async (url, body) => {
    const response = await fetchImpl(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      redirect: "error",
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Read to the end so the connection is reused; the text itself says nothing more than the status.
    await response.arrayBuffer().catch(() => undefined);
    return response.status;
  };
}
