// What every floor bundle shares: the barest push endpoint a service could have — hono on
// @hono/node-server answering 204 — and nothing of Riposte (no config, schema, logging, tracing).
// It counts the pushes it answered (GET /count) so a storm can be timed on its side of the wire.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { floorConfig } from "./config.js";

export interface FloorOptions {
  name: string;
  /** Work done for a push before it is answered (the relay floor publishes); none by default. */
  onPush?: (body: ArrayBuffer) => Promise<void>;
}

export function serveFloor(options: FloorOptions): void {
  const { port } = floorConfig();
  let pushes = 0;
  const app = new Hono();
  app.get("/healthz", (c) => c.text("ok"));
  app.get("/count", (c) => c.json({ pushes }));
  app.post("/", async (c) => {
    const body = await c.req.arrayBuffer();
    if (options.onPush) await options.onPush(body);
    pushes += 1;
    return c.body(null, 204);
  });
  const server = serve({ fetch: app.fetch, port, hostname: "0.0.0.0" }, () => {
    process.stdout.write(`${options.name} listening on ${port}\n`);
  });
  process.once("SIGTERM", () => {
    server.close(() => process.exit(0));
    (server as import("node:http").Server).closeAllConnections();
  });
}
