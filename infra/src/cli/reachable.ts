// Is something listening there? Checked before a command talks to the emulator or a `riposte dev`
// receiver: the Pub/Sub client retries an unreachable emulator for ~90 s and then prints a page of
// gRPC errors; a TCP connect says "nothing is running" in milliseconds.
import { connect } from "node:net";

/** Nothing accepted a connection at `where` within the timeout. */
export class NotRunningError extends Error {
  override readonly name = "NotRunningError";
}

/** How long a local server may take to accept a TCP connection before it counts as not running. */
const CONNECT_TIMEOUT_MS = 2_000;

/** Whether a TCP connection to host:port is accepted within the timeout. */
export function isListening(host: string, port: number, timeoutMs = CONNECT_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Throws a one-line NotRunningError naming `what`, where, and how to start it when nothing accepts a
 * connection at `where` (host:port, or a URL: default ports filled in).
 */
export async function requireRunning(what: string, where: string, hint: string): Promise<void> {
  const url = new URL(where.includes("://") ? where : `http://${where}`);
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!(await isListening(host, port)))
    throw new NotRunningError(`no ${what} is running at ${where} (${hint})`);
}
