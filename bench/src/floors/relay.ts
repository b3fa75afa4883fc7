// The first hop of the two-hop latency floor: take the pushed message and publish its data to the next
// topic with no work in between (no schema, no logging, no tracing) and no batching delay.
import { PubSub } from "@google-cloud/pubsub";
import { floorConfig } from "./config.js";
import { serveFloor } from "./serve.js";

const config = floorConfig();

const pubsub = new PubSub({ projectId: config.projectId });
const next = pubsub.topic(config.relayTopic, { batching: { maxMessages: 1 } });

serveFloor({
  name: "floor-relay",
  onPush: async (body) => {
    const envelope = JSON.parse(Buffer.from(body).toString("utf8")) as {
      message: { data: string; attributes?: Record<string, string> };
    };
    await next.publishMessage({
      data: Buffer.from(envelope.message.data, "base64"),
      attributes: envelope.message.attributes ?? {},
    });
  },
});
