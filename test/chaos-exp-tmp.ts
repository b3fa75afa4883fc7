import { createServer } from "node:http";
import { startPubSubEmulator, emulatorClient, createPushSubscription, pullMessages } from "@riposte/service-kit/testing";
const emu = await startPubSubEmulator();
const ps = emulatorClient(emu.host, "exp");
const times: Record<string, number[]> = {};
let inflight = 0, maxInflight = 0; let okCount = 0;
const server = createServer((req, res) => {
  let body = ""; req.on("data", (c) => (body += c)); req.on("end", () => {
    const env = JSON.parse(body); const data = Buffer.from(env.message.data, "base64").toString();
    (times[data] ??= []).push(Date.now());
    if (data.startsWith("fail")) { res.statusCode = 503; res.end(); return; }
    inflight++; maxInflight = Math.max(maxInflight, inflight);
    setTimeout(() => { inflight--; okCount++; res.statusCode = 204; res.end(); }, 200);
  });
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
const port = (server.address() as { port: number }).port;
await createPushSubscription(ps, { topic: "topic-one", subscription: "sub-one", endpoint: `http://127.0.0.1:${port}/`, ackDeadlineSeconds: 30, maxDeliveryAttempts: 5, minimumBackoffSeconds: 1, maximumBackoffSeconds: 30 });
const t0 = Date.now();
await ps.topic("topic-one").publishMessage({ data: Buffer.from("fail-1") });
const start = Date.now();
const pubs = []; for (let i = 0; i < 1000; i++) pubs.push(ps.topic("topic-one").publishMessage({ data: Buffer.from(`ok-${i}`) }));
await Promise.all(pubs);
console.log("published 1000 in", Date.now() - start);
while (okCount < 1000) await new Promise((r) => setTimeout(r, 100));
console.log("1000 ok handled in", Date.now() - start, "max inflight", maxInflight);
const dl = await pullMessages(ps, "sub-one-dead-letter", { count: 1, timeoutMs: 120000 });
console.log("dlq after", Date.now() - t0, dl.length, "attempt gaps", times["fail-1"]!.map((t, i, a) => i ? t - a[i-1]! : 0));
server.close(); await ps.close(); await emu.stop();
