// What a form did, shown once on the page it redirects to (POST → 303 → GET). It travels in a short
// cookie signed with the console's secret — not in the URL, where a link someone sends could make the
// console appear to say anything. The page renders it as text (JSX escapes it like any other string).
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { isHttps } from "./csrf.js";

export const FLASH_COOKIE = "riposte_flash";
/** Longest message kept: a cookie holds about 4 KB, and a reason quoted in it is cut anyway. */
export const FLASH_MAX_CHARS = 1_000;

export interface Flash {
  kind: "ok" | "refused";
  text: string;
}

function sign(secret: Uint8Array, payload: string): string {
  return createHmac("sha256", secret).update(`riposte-console-flash\0${payload}`, "utf8").digest("base64url");
}

export function setFlash(c: Context, secret: Uint8Array, flash: Flash): void {
  const text = [...flash.text].slice(0, FLASH_MAX_CHARS).join("");
  const payload = Buffer.from(JSON.stringify({ kind: flash.kind, text }), "utf8").toString("base64url");
  setCookie(c, FLASH_COOKIE, `${payload}.${sign(secret, payload)}`, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure: isHttps(c),
    maxAge: 60,
  });
}

/** The flash the last form left for this page, removed as it is read; a forged or garbled one is ignored. */
export function takeFlash(c: Context, secret: Uint8Array): Flash | undefined {
  const value = getCookie(c, FLASH_COOKIE);
  if (value === undefined) return undefined;
  deleteCookie(c, FLASH_COOKIE, { path: "/", secure: isHttps(c) });
  const [payload = "", signature = ""] = value.split(".");
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Partial<Flash>;
    if ((parsed.kind === "ok" || parsed.kind === "refused") && typeof parsed.text === "string")
      return { kind: parsed.kind, text: parsed.text };
  } catch {
    // Signed by us but unreadable: nothing to show.
  }
  return undefined;
}
