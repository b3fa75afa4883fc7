// The console's pages in a real browser with JavaScript off: Debian's Chromium (/usr/bin/chromium,
// `.ci/run` installs it) driven by playwright-core, against pages served over HTTP by @hono/node-server
// with the console's own decide, on the real Firestore and Pub/Sub emulators. A person finds an
// incident whose alert is hostile and reads it as text, approves its held kill through the form (the
// kill is published once, saying who let it go), and a form another site serves is refused.
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { type Browser, type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decide } from "../approvals/decide.js";
import { useApprovalFixture } from "../approvals/test-fixture.js";
import { localAuth } from "../iap/middleware.js";
import {
  APPROVER,
  HOSTILE_FIELD,
  HOSTILE_OUTPUT,
  HOSTILE_POD,
  HOSTILE_RULE,
  pagesApp,
  seedHeldIncident,
} from "./testing.js";

const CHROMIUM = "/usr/bin/chromium";
const HOUR = 3_600_000;

function listening(server: Server | ServerType): Promise<number> {
  return new Promise((resolve) => {
    const address = () => (server.address() as AddressInfo).port;
    if (server.listening) resolve(address());
    else server.once("listening", () => resolve(address()));
  });
}

const close = (server: Server | ServerType) => new Promise<void>((resolve) => server.close(() => resolve()));

describe("console pages in Chromium, JavaScript off", { timeout: 180_000 }, () => {
  let fixture: Awaited<ReturnType<typeof useApprovalFixture>>;
  /** Held until two hours after the fixture's clock (the ledger's, and the pages'). */
  const deadline = () => new Date(fixture.clock.now.getTime() + 2 * HOUR);
  let console_: ServerType;
  let attacker: Server;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  const dialogs: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)`);
    fixture = await useApprovalFixture();
    // Against the emulators a local operator may decide (acceptLocal), as under `riposte dev`.
    const deciding = fixture.instance({ acceptLocal: true });
    const app = pagesApp(localAuth({ user: "tester" }), {
      ledger: fixture.router,
      decide: (request) => decide(deciding, request),
      now: () => fixture.clock.now,
    });
    console_ = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
    base = `http://127.0.0.1:${await listening(console_)}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    context = await browser.newContext({ javaScriptEnabled: false });
    context.on("page", (page) => page.on("dialog", (dialog) => dialogs.push(dialog.message())));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    if (console_) await close(console_);
    if (attacker) await close(attacker);
    await fixture?.close();
  });

  it("shows a hostile incident as text, with the local banner; filters with hostile values are a 400", async () => {
    const held = await seedHeldIncident(fixture.router, { deadline: deadline() });
    const page = await context.newPage();
    await page.goto(`${base}/incidents`);
    await expect(page.locator("#local-banner").textContent()).resolves.toContain("local, no authentication");
    await page.getByRole("link", { name: held.incident.slice(0, 12) }).click();
    await page.waitForURL(`${base}/incidents/${held.incident}`);

    await expect(page.locator("#alert").textContent()).resolves.toContain(HOSTILE_RULE);
    await expect(page.locator("#output").textContent()).resolves.toBe(HOSTILE_OUTPUT);
    const fields = (await page.locator("#output-fields").textContent()) ?? "";
    expect(fields).toContain(HOSTILE_POD);
    expect(fields).toContain(HOSTILE_FIELD);
    // Nothing the attacker wrote became an element.
    for (const selector of ["img", "script", "svg", "b", "iframe"])
      expect(await page.locator(selector).count(), selector).toBe(0);
    expect(dialogs).toEqual([]);

    const response = await page.goto(
      `${base}/incidents?cluster=${encodeURIComponent("<script>alert(1)</script>")}`,
    );
    expect(response?.status()).toBe(400);
    await expect(page.locator("#problems").textContent()).resolves.toContain(
      'cluster: expected a cluster name (a DNS-1123 label); got "<script>alert(1)</script>"',
    );
    expect(await page.locator("script").count()).toBe(0);
    await page.close();
  });

  it("approves a held kill through the form: decided by the actor via console, the kill published once", async () => {
    const held = await seedHeldIncident(fixture.router, { deadline: deadline() });
    const page = await context.newPage();
    await page.goto(`${base}/approvals`);
    const form = page.locator("form.decide").filter({ has: page.locator(`input[value="${held.incident}"]`) });
    await form.locator('input[name="reason"]').fill("checked with the on-call <b>team</b>");
    const [posted] = await Promise.all([
      page.waitForResponse(`${base}/approvals/decide`),
      form.getByRole("button", { name: "Approve kill-pod" }).click(),
    ]);
    expect(posted.status(), await posted.text().catch(() => "")).toBe(303);
    await page.waitForLoadState();
    expect(page.url()).toBe(`${base}/approvals`);
    await expect(page.locator("#flash").textContent()).resolves.toBe(
      `kill-pod of incident ${held.incident.slice(0, 12)} approved by ${APPROVER} via console at 2026-12-06T12:00:00Z`,
    );
    const [published, ...more] = await fixture.settle("pod-killer", held.incident, 1);
    expect(more).toEqual([]);
    expect(fixture.commandSchema.parse(published?.json)).toEqual({
      ...held,
      approval: {
        by: APPROVER,
        via: "console",
        at: fixture.clock.now.toISOString(),
        reason: "checked with the on-call <b>team</b>",
      },
    });

    const approval = await fixture.router.readApproval(held.incident, "kill-pod");
    expect(approval?.state).toBe("approved");
    expect(approval?.decision).toMatchObject({
      by: APPROVER,
      via: "console",
      reason: "checked with the on-call <b>team</b>",
    });
    // The incident's timeline shows it, the reason as text.
    await page.goto(`${base}/incidents/${held.incident}`);
    await expect(page.locator("#timeline").textContent()).resolves.toContain(
      `APPROVED by ${APPROVER} via console: checked with the on-call <b>team</b>`,
    );
    expect(await page.locator("b").count()).toBe(0);
    await page.close();
  });

  it("refuses a form another site serves (403) and decides nothing", async () => {
    const held = await seedHeldIncident(fixture.router, { deadline: deadline() });
    // The victim has the console open (its session cookie is set), then visits the attacker's page:
    // same host, another port — same-site, so even a SameSite=Strict cookie goes along.
    const page = await context.newPage();
    await page.goto(`${base}/approvals`);
    attacker = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(`<!DOCTYPE html><form method="post" action="${base}/approvals/decide">
        <input type="hidden" name="incident" value="${held.incident}">
        <input type="hidden" name="action" value="kill-pod">
        <input type="hidden" name="decision" value="approve">
        <input type="hidden" name="_csrf" value="1767225600000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA">
        <button id="win">Claim your prize</button></form>`);
    }).listen(0, "127.0.0.1");
    await page.goto(`http://127.0.0.1:${await listening(attacker)}/`);
    const [response] = await Promise.all([
      page.waitForResponse(`${base}/approvals/decide`),
      page.click("#win"),
    ]);
    expect(response.status()).toBe(403);
    await expect(page.locator("#problem").textContent()).resolves.toMatch(
      /^Refused: the request came from another/,
    );
    expect((await fixture.router.readApproval(held.incident, "kill-pod"))?.state).toBe("awaiting-approval");
    expect(fixture.arrived("pod-killer", held.incident)).toEqual([]);
    await page.close();
  });
});
