// The frame of every page: who is acting (and, without authentication, a banner that says so), the
// navigation, what the last form did. hono's JSX escapes every string it renders, text and attribute
// alike; nothing here or in the pages bypasses it (no raw, no dangerouslySetInnerHTML).
import type { Context } from "hono";
import { html } from "hono/html";
import type { Child, FC } from "hono/jsx";
import type { ConsoleActor } from "../iap/middleware.js";
import type { Flash } from "./flash.js";
import { STYLESHEET_PATH } from "./style.js";

export type Section = "incidents" | "approvals" | "quarantines";

export interface Frame {
  actor: ConsoleActor;
  flash: Flash | undefined;
  /** The form token for this actor and browser (csrf.ts). */
  csrf: string;
}

const NAV: [Section, string, string][] = [
  ["incidents", "/incidents", "Incidents"],
  ["approvals", "/approvals", "Approvals"],
  ["quarantines", "/quarantines", "Quarantines"],
];

export const Layout: FC<{ title: string; section?: Section | undefined; frame: Frame; children?: Child }> = ({
  title,
  section,
  frame,
  children,
}) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · Riposte`}</title>
      <link rel="stylesheet" href={STYLESHEET_PATH} />
    </head>
    <body>
      {frame.actor.local && (
        <div class="banner-local" role="alert" id="local-banner">
          local, no authentication — anyone on this machine acts as {frame.actor.identity}
        </div>
      )}
      <header>
        <span class="brand">Riposte</span>
        <nav>
          {NAV.map(([name, href, label]) => (
            <a href={href} aria-current={name === section ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="actor">{frame.actor.identity}</span>
      </header>
      <main>
        {frame.flash && (
          <p class={`flash flash-${frame.flash.kind}`} role="status" id="flash">
            {frame.flash.text}
          </p>
        )}
        <h1>{title}</h1>
        {children}
      </main>
    </body>
  </html>
);

/** The page as the response: HTML5 doctype, then the escaped tree. */
export function page(c: Context, body: Child, status: 200 | 400 | 403 | 404 | 413 | 415 | 503 = 200) {
  return c.html(html`<!DOCTYPE html>${body}`, status);
}

/** A time as UTC text (one width, sortable), in a <time> element carrying the ISO form. */
export const Time: FC<{ at: string | null | undefined }> = ({ at }) =>
  at ? (
    <time datetime={at}>{at.replace("T", " ").replace(/\.\d+Z$/, "Z")}</time>
  ) : (
    <span class="muted">—</span>
  );

/** A result or state as a small label; the class is from a fixed list (never from data). */
const STATE_CLASSES = new Set([
  "done",
  "already-done",
  "approved",
  "sent",
  "failed",
  "refused",
  "denied",
  "abandoned",
  "awaiting-approval",
  "running",
  "releasing",
  "held-back",
]);

export const State: FC<{ state: string }> = ({ state }) => (
  <span class={STATE_CLASSES.has(state) ? `state state-${state}` : "state"}>{state}</span>
);
