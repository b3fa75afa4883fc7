// A TCP relay in front of a dependency (an emulator): closing it is, to a client, the dependency going
// away mid-use — open sockets are cut, new connections refused — while the real emulator stays up for
// the rest of the run. `reopen()` brings it back on the same address.
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { freePort } from "./emulator.js";

export interface TcpRelay {
  /** host:port to give the client instead of the target's. */
  host: string;
  port: number;
  close(): Promise<void>;
  reopen(): Promise<void>;
}

/** Relays `target` (host:port) from a local port (`port`, else a free one) until closed. */
export async function tcpRelay(target: string, port?: number): Promise<TcpRelay> {
  const separator = target.lastIndexOf(":");
  const targetHost = target.slice(0, separator);
  const targetPort = Number(target.slice(separator + 1));
  const listenPort = port ?? (await freePort());
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const open = () =>
    new Promise<void>((resolve, reject) => {
      const opening = createServer((inbound) => {
        const outbound = createConnection(targetPort, targetHost);
        for (const socket of [inbound, outbound]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => socket.destroy());
        }
        inbound.pipe(outbound).pipe(inbound);
      });
      opening.once("error", reject);
      opening.listen(listenPort, "127.0.0.1", () => {
        server = opening;
        resolve();
      });
    });
  await open();
  return {
    host: `127.0.0.1:${listenPort}`,
    port: listenPort,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        const closing = server;
        server = undefined;
        if (closing) closing.close(() => resolve());
        else resolve();
      }),
    reopen: open,
  };
}
