// consolePages(deps): the console's pages as a hono sub-app, mounted with one line after the IAP
// middleware — `app.route("/", consolePages(deps))`. Every route carries its own guards (a sub-app's
// `use("*")` would reach the parent's other routes, Slack's among them): security headers and no
// caching on all; on pages the CSRF cookie, the form token and the flash; on POSTs a bounded form and
// the CSRF check before anything else is read. A POST answers 303 back to a page with a flash.
import { isIncidentKey } from "@riposte/contracts";
import { incidentView, LedgerUnavailableError, SHORT_KEY_LENGTH } from "@riposte/ledger";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { secureHeaders } from "hono/secure-headers";
import { actorOf, type ConsoleActor } from "../iap/middleware.js";
import { ApprovalsPage, approvalsState, decideFromForm } from "./approvals.js";
import { CSRF_FIELD, type CsrfKeys, csrfCookie, csrfProblem, csrfToken } from "./csrf.js";
import { type ConsolePagesDeps, secretOf } from "./deps.js";
import { parseIncidentFilters } from "./filters.js";
import { type Flash, setFlash, takeFlash } from "./flash.js";
import { FORM_MAX_BYTES, readForm } from "./forms.js";
import { IncidentChoicePage, IncidentPage } from "./incident.js";
import { BadFiltersPage, IncidentsPage, listIncidentViews } from "./incidents.js";
import { type Frame, Layout, page } from "./layout.js";
import { extendFromForm, QuarantinesPage, releaseFromForm } from "./quarantines.js";
import { STYLESHEET, STYLESHEET_PATH } from "./style.js";

/** A full incident key, or the short key Slack shows. */
const KEY_OR_SHORT = new RegExp(`^[0-9a-f]{${SHORT_KEY_LENGTH}}([0-9a-f]{${32 - SHORT_KEY_LENGTH}})?$`);

export interface PagesEnv {
  Variables: { actor: ConsoleActor; frame: Frame; form: Record<string, string> };
}

const headers = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    // No script at all: the pages work without JavaScript, and none may run in them.
    scriptSrc: ["'none'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  // Not no-referrer: under it a browser sends `Origin: null` with the console's own form posts, and
  // the CSRF check needs the real origin. same-origin still tells no other site which page linked it.
  referrerPolicy: "same-origin",
  // Cloud Run and the load balancer serve HTTPS; locally the browser ignores it over http.
  strictTransportSecurity: "max-age=31536000",
});

const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  c.header("cache-control", "no-store");
};

function frameFor(c: Context, keys: CsrfKeys, secret: Uint8Array): Frame {
  const actor = actorOf(c);
  return { actor, csrf: csrfToken(keys, actor.identity, csrfCookie(c)), flash: takeFlash(c, secret) };
}

const refusedPage = (c: Context, status: 400 | 403 | 413 | 415, title: string, problem: string) =>
  page(
    c,
    <Layout title={title} frame={{ actor: actorOf(c), flash: undefined, csrf: "" }}>
      <p class="problems" id="problem">
        {problem}
      </p>
      <p>
        Nothing was changed. <a href="/incidents">Back to the incidents</a>
      </p>
    </Layout>,
    status,
  );

/** The ledger out of reach is a 503 page (retry), not a 500. */
async function orUnavailable(c: Context<PagesEnv>, render: () => Promise<Response>): Promise<Response> {
  try {
    return await render();
  } catch (error) {
    if (!(error instanceof LedgerUnavailableError)) throw error;
    c.header("retry-after", "5");
    return page(
      c,
      <Layout title="The incident ledger cannot be reached" frame={c.get("frame")}>
        <p class="problems">{error.message}</p>
        <p>Try again in a few seconds.</p>
      </Layout>,
      503,
    );
  }
}

export function consolePages(deps: ConsolePagesDeps): Hono<PagesEnv> {
  const secret = secretOf(deps);
  const now = deps.now ?? (() => new Date());
  const keys: CsrfKeys = {
    secret,
    now: () => now().getTime(),
    ...(deps.origins ? { origins: deps.origins } : {}),
  };
  const app = new Hono<PagesEnv>();

  const framed = createMiddleware<PagesEnv>(async (c, next) => {
    c.set("frame", frameFor(c, keys, secret));
    await next();
  });
  // Order matters: the origin, cookie and token are checked before the form's fields are looked at.
  const guarded = createMiddleware<PagesEnv>(async (c, next) => {
    const read = await readForm(c);
    if (!read.ok) return refusedPage(c, read.status, "This form cannot be used", read.problem);
    const problem = csrfProblem(c, keys, actorOf(c).identity, read.fields[CSRF_FIELD]);
    if (problem) {
      deps.logger?.warn(
        { path: c.req.path, reason: problem, by: actorOf(c).identity },
        "console: form refused (CSRF)",
      );
      return refusedPage(c, 403, "This form was refused", `Refused: ${problem}.`);
    }
    c.set("form", read.fields);
    await next();
  });
  const limit = bodyLimit({
    maxSize: FORM_MAX_BYTES,
    onError: (c) => refusedPage(c, 413, "This form cannot be used", "The form is too large."),
  });
  const answer = (c: Context, to: string, flash: Flash) => {
    setFlash(c, secret, flash);
    return c.redirect(to, 303);
  };
  const get = [headers, noStore, framed] as const;
  const post = [headers, noStore, limit, guarded] as const;

  app.get(STYLESHEET_PATH, (c) => {
    c.header("cache-control", "public, max-age=300");
    c.header("x-content-type-options", "nosniff");
    return c.body(STYLESHEET, 200, { "content-type": "text/css; charset=utf-8" });
  });
  app.get("/", headers, (c) => c.redirect("/incidents", 302));

  app.get("/incidents", ...get, (c) =>
    orUnavailable(c, async () => {
      const frame = c.get("frame");
      const parsed = parseIncidentFilters(new URL(c.req.url).searchParams, now());
      if (!parsed.ok) return page(c, <BadFiltersPage frame={frame} problems={parsed.problems} />, 400);
      const listing = await listIncidentViews(deps.ledger, parsed.filters);
      return page(c, <IncidentsPage frame={frame} filters={parsed.filters} listing={listing} />);
    }),
  );

  app.get("/incidents/:key", ...get, (c) =>
    orUnavailable(c, async () => {
      const frame = c.get("frame");
      const typed = c.req.param("key");
      if (!KEY_OR_SHORT.test(typed))
        return page(c, <IncidentChoicePage frame={frame} typed="" keys={[]} />, 404);
      const keys = isIncidentKey(typed) ? [typed] : await deps.ledger.findIncidentKeys(typed);
      const record = keys.length === 1 ? await deps.ledger.readIncident(keys[0] as string) : undefined;
      if (!record)
        return page(
          c,
          <IncidentChoicePage frame={frame} typed={typed} keys={keys.length > 1 ? keys : []} />,
          404,
        );
      return page(
        c,
        <IncidentPage frame={frame} view={incidentView(record, deps.links.trace)} links={deps.links} />,
      );
    }),
  );

  app.get("/approvals", ...get, (c) =>
    orUnavailable(c, async () => {
      const frame = c.get("frame");
      const query = approvalsState(new URL(c.req.url).searchParams);
      if (!query.ok) return page(c, <BadFiltersPage frame={frame} problems={[query.problem]} />, 400);
      const approvals = await deps.ledger.listApprovals({ state: query.state, limit: 200 });
      return page(c, <ApprovalsPage frame={frame} state={query.state} approvals={approvals} now={now()} />);
    }),
  );

  app.post("/approvals/decide", ...post, async (c) => {
    const { redirect, result } = await decideFromForm(deps, actorOf(c), c.get("form"), c);
    return answer(c, redirect, { kind: result.ok ? "ok" : "refused", text: result.message });
  });

  app.get("/quarantines", ...get, (c) =>
    orUnavailable(c, async () => {
      const { leases, truncated } = await deps.ledger.listQuarantineLeases(200);
      return page(c, <QuarantinesPage frame={c.get("frame")} leases={leases} truncated={truncated} />);
    }),
  );

  app.post("/quarantines/extend", ...post, async (c) => {
    const result = await extendFromForm(deps, actorOf(c), c.get("form"), now()).catch((error: unknown) => ({
      ok: false as const,
      message: `Nothing extended: ${(error as Error).message.split("\n")[0]}`,
    }));
    return answer(c, "/quarantines", { kind: result.ok ? "ok" : "refused", text: result.message });
  });

  app.post("/quarantines/release", ...post, async (c) => {
    const result = await releaseFromForm(deps, actorOf(c), c.get("form")).catch((error: unknown) => ({
      ok: false as const,
      message: `Nothing released: ${(error as Error).message.split("\n")[0]}`,
    }));
    return answer(c, "/quarantines", { kind: result.ok ? "ok" : "refused", text: result.message });
  });

  return app;
}
