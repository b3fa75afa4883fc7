// The console's pages over the real Firestore emulator, as hono serves them behind the console's
// authentication: an attacker's strings render as text; filters with hostile values are a 400 naming
// the filter; a form post without this actor's token, cookie and origin is a 403 and decides nothing;
// with them it decides through decide (via console) and answers 303 with an escaped flash.
import { createLedger, createLedgerFirestore } from "@riposte/ledger";
import { type IapStandin, STANDIN_IAP_AUDIENCE, startIapStandin } from "@riposte/standins";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decide } from "../approvals/decide.js";
import { useApprovalFixture } from "../approvals/test-fixture.js";
import { consoleAuthentication } from "../iap/authentication.js";
import { IAP_ASSERTION_HEADER, localAuth } from "../iap/middleware.js";
import { CSRF_COOKIE } from "./csrf.js";
import { LOCAL_LINKS, type PageDecision } from "./deps.js";
import { FLASH_COOKIE } from "./flash.js";
import { consolePages } from "./routes.js";
import { APPROVER, HOSTILE_OUTPUT, hostileKill, pagesApp, seedHeldIncident } from "./testing.js";

// The ledger and the console's own decide on both emulators (a held kill approved is published);
// against the emulators a local operator may decide, as under `riposte dev`.
const fixture = await useApprovalFixture();
const ledger = fixture.router;
const deciding = fixture.instance({ acceptLocal: true });
const decideAs = (request: PageDecision) => decide(deciding, request);
let iap: IapStandin;
beforeAll(async () => {
  iap = await startIapStandin();
});
afterAll(async () => {
  await iap.close();
  await fixture.close();
});

const HOUR = 3_600_000;
const ORIGIN = "http://localhost";
/** The pages' clock is the ledger's (the fixture's): form tokens and incident windows follow it. */
const now = () => fixture.clock.now;
const ms = () => fixture.clock.now.getTime();
const app = pagesApp(localAuth({ user: "tester" }), { ledger, decide: decideAs, now });

/** A browser of its own: it keeps the cookies the console sets and sends what a browser sends. */
function browser(target = app, extra: Record<string, string> = {}) {
  const jar = new Map<string, string>();
  const send = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set("host", "localhost");
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    // An empty value stands for a header the browser does not send.
    for (const [name, value] of [...headers]) if (value === "") headers.delete(name);
    if (jar.size > 0) headers.set("cookie", [...jar].map(([name, value]) => `${name}=${value}`).join("; "));
    const response = await target.request(`${ORIGIN}${path}`, { ...init, headers });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = cookie.split(";");
      const [name = "", value = ""] = pair.split("=");
      if (attributes.some((attribute) => /max-age=0/i.test(attribute)) || value === "") jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };
  return {
    jar,
    get: (path: string) => send(path),
    /** A form post as the browser sends it from one of the console's own pages. */
    post: (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
      send(path, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          origin: ORIGIN,
          "sec-fetch-site": "same-origin",
          ...headers,
        },
        body: new URLSearchParams(fields).toString(),
      }),
  };
}

async function tokenOf(response: Response): Promise<string> {
  const match = /name="_csrf" value="([^"]+)"/.exec(await response.text());
  if (!match) throw new Error("no form token on the page");
  return match[1] as string;
}

/** Markup an attacker's string would become if anything rendered it unescaped. */
const INJECTED = [/<script\b/i, /<img\b/i, /<svg\b/i, /<b onmouseover/i, /<\/pre><script/i];

const state = async (incident: string) => (await ledger.readApproval(incident, "kill-pod"))?.state;

describe("console pages", { timeout: 90_000 }, () => {
  let held: string;
  beforeAll(async () => {
    held = (await seedHeldIncident(ledger, { deadline: new Date(ms() + 2 * HOUR) })).incident;
  });

  it("renders every attacker string as text: list, incident, approvals", async () => {
    const user = browser();
    for (const path of [
      "/incidents",
      `/incidents/${held}`,
      `/incidents/${held.slice(0, 12)}`,
      "/approvals",
    ]) {
      const response = await user.get(path);
      expect(response.status, path).toBe(200);
      const html = await response.text();
      for (const pattern of INJECTED) expect(html, `${path} ${pattern}`).not.toMatch(pattern);
      expect(html).toContain("Shell in &lt;script&gt;alert(&quot;rule&quot;)&lt;/script&gt; container");
    }
    const page = await (await user.get(`/incidents/${held}`)).text();
    expect(page).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(page).toContain("&quot;&gt;&lt;svg onload=alert(4)&gt;");
    expect(page).toContain("isolated pod &lt;img src=x onerror=alert(1)&gt;");
    expect(HOSTILE_OUTPUT).toContain("</pre>");
    expect(page).toContain("&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;");
  });

  it("sets the security headers, no caching, and a strict cookie", async () => {
    const response = await browser().get("/incidents");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const cookie = response.headers.getSetCookie().find((value) => value.startsWith(`${CSRF_COOKIE}=`)) ?? "";
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(await response.text()).toContain("local, no authentication");
  });

  it("filters by cluster, rule and result", async () => {
    const user = browser();
    const list = async (query: string) =>
      (await (await user.get(`/incidents?${query}`)).text()).includes(held);
    expect(await list("rule=SHELL+IN")).toBe(true);
    expect(await list("rule=no+such+rule")).toBe(false);
    expect(await list("result=awaiting-approval")).toBe(true);
    expect(await list("result=failed")).toBe(false);
    expect(await list("cluster=no-such-cluster")).toBe(false);
    expect(await list("since=1h&limit=500")).toBe(true);
    expect(await list("since=2020-01-01T00:00Z&cluster=")).toBe(true);
  });

  it("refuses hostile filter values with 400 naming the filter, escaped", async () => {
    const cases: [string, string][] = [
      ["cluster=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "cluster: expected a cluster name"],
      ["rule=a%00b", "rule: control or formatting characters are not allowed"],
      ["rule=%E2%80%AEevil", "rule: control or formatting characters are not allowed"],
      [`rule=${"x".repeat(10_000)}`, "rule: at most 200 characters"],
      ["result=__proto__", "result: expected one of"],
      ["limit=-1", "limit: expected a whole number from 1 to 500"],
      ["since=1h&since=2h", "&quot;since&quot;: given more than once"],
      ["since=yesterday", "since: expected a window"],
      ["__proto__=1", "&quot;__proto__&quot;: not a filter"],
      ["constructor=%3Cimg%20src%3Dx%3E", "&quot;constructor&quot;: not a filter"],
    ];
    for (const [query, message] of cases) {
      const response = await browser().get(`/incidents?${query}`);
      expect(response.status, query).toBe(400);
      const html = await response.text();
      expect(html, query).toContain(message);
      for (const pattern of INJECTED) expect(html, query).not.toMatch(pattern);
    }
    expect((await browser().get("/approvals?state=%3Cscript%3E")).status).toBe(400);
    expect((await browser().get("/incidents/%3Cscript%3E")).status).toBe(404);
  });

  describe("forms", () => {
    it("refuse a post without this session's token, cookie or origin: 403, nothing decided", async () => {
      const victim = (await seedHeldIncident(ledger, { deadline: new Date(ms() + 2 * HOUR) })).incident;
      const user = browser();
      const token = await tokenOf(await user.get("/approvals"));
      const fields = { incident: victim, action: "kill-pod", decision: "approve", _csrf: token };
      const attacks: [string, () => Promise<Response>][] = [
        ["no token", () => user.post("/approvals/decide", { ...fields, _csrf: "" })],
        [
          "a wrong token",
          () => user.post("/approvals/decide", { ...fields, _csrf: `${token.slice(0, -4)}AAAA` }),
        ],
        ["a token from another session", async () => browser().post("/approvals/decide", fields)],
        [
          "another site's Origin",
          () => user.post("/approvals/decide", fields, { origin: "https://evil.example" }),
        ],
        ["Origin null", () => user.post("/approvals/decide", fields, { origin: "null" })],
        [
          "a look-alike host",
          () => user.post("/approvals/decide", fields, { origin: "http://localhost.evil.example" }),
        ],
        [
          "Sec-Fetch-Site cross-site",
          () => user.post("/approvals/decide", fields, { "sec-fetch-site": "cross-site" }),
        ],
        [
          "same-site but not same-origin",
          () => user.post("/approvals/decide", fields, { "sec-fetch-site": "same-site" }),
        ],
        [
          "neither Origin nor Sec-Fetch-Site",
          () => user.post("/approvals/decide", fields, { origin: "", "sec-fetch-site": "" }),
        ],
      ];
      for (const [name, attack] of attacks) {
        const response = await attack();
        expect(response.status, name).toBe(403);
        expect(await response.text(), name).toContain("Nothing was changed");
        expect(await state(victim), name).toBe("awaiting-approval");
      }
      // A JSON body (fetch from a page that got past the rest) is not a form.
      const json = await user.post("/approvals/decide", fields, { "content-type": "application/json" });
      expect(json.status).toBe(415);
      expect(await state(victim)).toBe("awaiting-approval");
    });

    it("refuse a token older than 12 hours", async () => {
      const victim = (await seedHeldIncident(ledger, { deadline: new Date(ms() + 24 * HOUR) })).incident;
      const user = browser();
      const token = await tokenOf(await user.get("/approvals"));
      fixture.clock.now = new Date(ms() + 13 * HOUR);
      try {
        const response = await user.post("/approvals/decide", {
          incident: victim,
          action: "kill-pod",
          decision: "approve",
          _csrf: token,
        });
        expect(response.status).toBe(403);
        expect(await response.text()).toContain("the form has expired");
      } finally {
        fixture.clock.now = new Date(ms() - 13 * HOUR);
      }
      expect(await state(victim)).toBe("awaiting-approval");
    });

    it("refuse a token made for someone else (IAP): bound to the actor", async () => {
      const victim = (await seedHeldIncident(ledger, { deadline: new Date(ms() + 2 * HOUR) })).incident;
      const auth = consoleAuthentication({
        CONSOLE_AUTHENTICATION: "iap",
        IAP_AUDIENCE: STANDIN_IAP_AUDIENCE,
        IAP_JWKS_URL: iap.jwksUrl,
        K_SERVICE: undefined,
      });
      const iapApp = pagesApp(auth, { ledger, decide: decideAs, now });
      const mallory = browser(iapApp, { [IAP_ASSERTION_HEADER]: iap.mint({ email: "mallory@acme.com" }) });
      const page = await mallory.get("/approvals");
      expect(page.status).toBe(200);
      const token = await tokenOf(page);
      // Mallory's token and cookie, planted in Alice's browser (say, through a sibling domain's cookie).
      const alice = browser(iapApp, { [IAP_ASSERTION_HEADER]: iap.mint({ email: "alice@acme.com" }) });
      for (const [name, value] of mallory.jar) alice.jar.set(name, value);
      const response = await alice.post("/approvals/decide", {
        incident: victim,
        action: "kill-pod",
        decision: "approve",
        _csrf: token,
      });
      expect(response.status).toBe(403);
      expect(await state(victim)).toBe("awaiting-approval");
      // Behind IAP there is no banner.
      expect(await (await alice.get("/incidents")).text()).not.toContain("local, no authentication");
    });

    it("approve through the form: decided once as this actor via console, 303 with a flash", async () => {
      const victim = (await seedHeldIncident(ledger, { deadline: new Date(ms() + 2 * HOUR) })).incident;
      const user = browser();
      const token = await tokenOf(await user.get(`/incidents/${victim}`));
      const response = await user.post("/approvals/decide", {
        _csrf: token,
        incident: victim,
        action: "kill-pod",
        decision: "approve",
        reason: "  checked with the team on call ",
        back: "incident",
      });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe(`/incidents/${victim}`);
      const approval = await ledger.readApproval(victim, "kill-pod");
      expect(approval?.state).toBe("approved");
      expect(approval?.decision).toMatchObject({
        by: APPROVER,
        via: "console",
        reason: "checked with the team on call",
      });
      const after = await (await user.get(`/incidents/${victim}`)).text();
      expect(after).toContain(
        `kill-pod of incident ${victim.slice(0, 12)} approved by ${APPROVER} via console at 2026-12-06T12:00:00Z`,
      );
      const [published, ...more] = await fixture.settle("pod-killer", victim, 1);
      expect(more).toEqual([]);
      expect(published?.json).toMatchObject({ incident: victim, approval: { by: APPROVER, via: "console" } });
      expect(user.jar.has(FLASH_COOKIE)).toBe(false);
      // A second decision is refused by decide, and the page says so.
      const again = await user.post("/approvals/decide", {
        _csrf: token,
        incident: victim,
        action: "kill-pod",
        decision: "deny",
      });
      expect(again.status).toBe(303);
      expect(await (await user.get("/approvals")).text()).toContain(
        `kill-pod of incident ${victim.slice(0, 12)} was already approved by ${APPROVER} via console`,
      );
      expect((await ledger.readApproval(victim, "kill-pod"))?.state).toBe("approved");
    });

    it("refuse bad fields without deciding: unknown action, bidi or control in the reason, 10 KB reason, extra fields", async () => {
      const victim = (await seedHeldIncident(ledger, { deadline: new Date(ms() + 2 * HOUR) })).incident;
      const user = browser();
      const token = await tokenOf(await user.get("/approvals"));
      const base = { _csrf: token, incident: victim, action: "kill-pod", decision: "approve" };
      const cases: [Record<string, string>, string][] = [
        [{ ...base, action: "notify" }, "cannot wait for an approval"],
        [{ ...base, incident: "../../etc" }, "expected an incident key"],
        [{ ...base, decision: "approve-all" }, "expected approve or deny"],
        [{ ...base, reason: "ok \u202egnirts" }, "the reason holds a control or invisible character"],
        [{ ...base, reason: "ok\u0007" }, "the reason holds a control or invisible character"],
        [{ ...base, reason: "two\nlines" }, "the reason holds a control or invisible character"],
        [{ ...base, reason: "x".repeat(501) }, "the reason is too long"],
        [{ ...base, __proto__x: "1", ["__proto__"]: "1" }, "unexpected field"],
        [{ ...base, back: "https://evil.example" }, "back"],
      ];
      for (const [fields, message] of cases) {
        const response = await user.post("/approvals/decide", fields);
        expect(response.status, message).toBe(303);
        expect(response.headers.get("location")).toBe("/approvals");
        expect(await (await user.get("/approvals")).text(), message).toContain(message);
      }
      expect((await user.post("/approvals/decide", { ...base, reason: "y".repeat(20_000) })).status).toBe(
        413,
      );
      expect(await state(victim)).toBe("awaiting-approval");
    });

    it("shows what decide says as text", async () => {
      const victim = (await seedHeldIncident(ledger, { deadline: new Date(ms() + 2 * HOUR) })).incident;
      const hostileApp = pagesApp(localAuth({ user: "tester" }), {
        ledger,
        now,
        decide: async (request) => ({
          ok: false,
          message: `refused <script>alert(${request.ref.action})</script>`,
        }),
      });
      const user = browser(hostileApp);
      const token = await tokenOf(await user.get("/approvals"));
      await user.post("/approvals/decide", {
        _csrf: token,
        incident: victim,
        action: "kill-pod",
        decision: "deny",
      });
      const html = await (await user.get("/approvals")).text();
      expect(html).toContain("refused &lt;script&gt;alert(kill-pod)&lt;/script&gt;");
      for (const pattern of INJECTED) expect(html).not.toMatch(pattern);
      // A flash cookie someone forged (no signature of ours) is not shown.
      user.jar.set(
        FLASH_COOKIE,
        `${Buffer.from(JSON.stringify({ kind: "ok", text: "forged" })).toString("base64url")}.x`,
      );
      expect(await (await user.get("/approvals")).text()).not.toContain("forged");
    });
  });

  describe("quarantines", () => {
    it("lists held leases and extends one by form, with who and why; a bad ttl extends nothing", async () => {
      const incident = hostileKill().incident;
      const pod = {
        cluster: "prod-eu",
        namespace: "shop",
        pod: "web-1",
        podUid: "00000000-0000-4000-8000-000000000042",
      };
      await ledger.recordQuarantineLease({ ...pod, incident, expiresAt: new Date(ms() + HOUR) });
      const user = browser();
      const page = await user.get("/quarantines");
      const token = await tokenOf(page);
      expect(await (await user.get("/quarantines")).text()).toContain(
        "npx riposte release web-1 -n shop --cluster prod-eu",
      );
      const bad = await user.post("/quarantines/extend", { _csrf: token, ...pod, ttl: "1y" });
      expect(bad.status).toBe(303);
      expect(await (await user.get("/quarantines")).text()).toContain("Nothing extended: ttl");
      expect((await ledger.readQuarantineLease(pod))?.expiresAt.getTime()).toBe(ms() + HOUR);
      const hostile = await user.post("/quarantines/extend", {
        _csrf: token,
        ...pod,
        namespace: "<b>x</b>",
        ttl: "2h",
      });
      expect(hostile.status).toBe(303);
      expect(await (await user.get("/quarantines")).text()).toContain("expected a namespace name");

      const extended = await user.post("/quarantines/extend", {
        _csrf: token,
        ...pod,
        ttl: "2h",
        reason: "forensics",
      });
      expect(extended.status).toBe(303);
      expect((await ledger.readQuarantineLease(pod))?.expiresAt.getTime()).toBe(ms() + 2 * HOUR);
      expect(await (await user.get("/quarantines")).text()).toContain("now ends at");
      // Without the token: refused, nothing extended.
      const forged = await user.post("/quarantines/extend", { ...pod, ttl: "30d" });
      expect(forged.status).toBe(403);
      expect((await ledger.readQuarantineLease(pod))?.expiresAt.getTime()).toBe(ms() + 2 * HOUR);
    });
  });

  describe("quarantines: Release", () => {
    const pod = {
      cluster: "prod-eu",
      namespace: "shop",
      pod: "web-2",
      podUid: "00000000-0000-4000-8000-000000000043",
    };
    const lease = () => ledger.readQuarantineLease(pod);
    beforeAll(() =>
      ledger.recordQuarantineLease({
        ...pod,
        incident: hostileKill().incident,
        expiresAt: new Date(ms() + HOUR),
      }),
    );

    it("refuses a forged post (no token, another site's origin) and a missing, multi-line or 10 KB reason: nothing requested", async () => {
      const user = browser();
      const token = await tokenOf(await user.get("/quarantines"));
      const reason = "false positive";
      expect((await user.post("/quarantines/release", { ...pod, reason })).status).toBe(403);
      const crossSite = await user.post(
        "/quarantines/release",
        { _csrf: token, ...pod, reason },
        { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      );
      expect(crossSite.status).toBe(403);
      for (const [bad, problem] of [
        ["", "Nothing released: reason"],
        ["ok\nInjected: line", "Nothing released: reason"],
        ["x".repeat(10_000), "Nothing released: reason"],
      ] as const) {
        expect((await user.post("/quarantines/release", { _csrf: token, ...pod, reason: bad })).status).toBe(
          303,
        );
        expect(await (await user.get("/quarantines")).text()).toContain(problem);
      }
      const hostile = await user.post("/quarantines/release", {
        _csrf: token,
        ...pod,
        pod: "<b>x</b>",
        reason,
      });
      expect(hostile.status).toBe(303);
      expect(await (await user.get("/quarantines")).text()).toContain("expected a pod name");
      expect((await lease())?.releaseRequest).toBeUndefined();
    });

    it("records the actor's request with their reason, says the isolator lifts it, and refuses a second one", async () => {
      const user = browser();
      const token = await tokenOf(await user.get("/quarantines"));
      const reason = "false positive: <script>alert(5)</script>";
      const released = await user.post("/quarantines/release", { _csrf: token, ...pod, reason });
      expect(released.status).toBe(303);
      expect(released.headers.get("location")).toBe("/quarantines");
      expect(await lease()).toMatchObject({
        state: "held",
        releaseRequest: { by: APPROVER, reason, via: "console" },
      });
      const html = await (await user.get("/quarantines")).text();
      expect(html).toContain(
        `release of pod shop/web-2 (cluster prod-eu) requested by ${APPROVER}: the isolator lifts it within a minute`,
      );
      for (const pattern of INJECTED) expect(html).not.toMatch(pattern);
      const after = await (await user.get("/quarantines")).text();
      expect(after).toContain(`release requested by ${APPROVER}`);
      expect(after).toContain("false positive: &lt;script&gt;alert(5)&lt;/script&gt;");
      const again = await user.post("/quarantines/release", { _csrf: token, ...pod, reason: "again" });
      expect(again.status).toBe(303);
      expect(await (await user.get("/quarantines")).text()).toContain(`already requested by ${APPROVER}`);
      expect((await lease())?.releaseRequest?.reason).toBe(reason);
    });
  });

  it("mounted in the console, guards only its own routes: Slack's and the scheduled call's are untouched", async () => {
    const parent = new Hono();
    parent.post("/slack/interactions", (c) => c.text("slack"));
    parent.use(localAuth({ user: "tester" }));
    parent.route("/", consolePages({ ledger, decide: decideAs, links: LOCAL_LINKS, now }));
    parent.post("/scheduled/approvals", (c) => c.text("scheduled"));
    for (const [path, body] of [
      ["/slack/interactions", "slack"],
      ["/scheduled/approvals", "scheduled"],
    ]) {
      const response = await parent.request(`${ORIGIN}${path}`, { method: "POST", body: "payload=x" });
      expect(response.status, path).toBe(200);
      expect(await response.text()).toBe(body);
      expect(response.headers.get("content-security-policy"), path).toBeNull();
      expect(response.headers.getSetCookie(), path).toEqual([]);
    }
    expect((await browser(parent).post("/approvals/decide", {})).status).toBe(403);
  });

  it("answers 503 when the ledger cannot be reached", async () => {
    const dead = createLedgerFirestore({ projectId: "unreachable", emulatorHost: "127.0.0.1:9" });
    const deadLedger = createLedger({ firestore: dead, timeoutMs: 1_500 });
    try {
      const response = await browser(
        pagesApp(localAuth({ user: "tester" }), { ledger: deadLedger, decide: decideAs }),
      ).get("/incidents");
      expect(response.status).toBe(503);
      expect(await response.text()).toContain("cannot be reached");
    } finally {
      await dead.terminate();
    }
  });
});
