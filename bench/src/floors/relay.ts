// The first hop of the two-hop latency floor: take the pushed message and publish its data to the next
// topic(s) with no work in between (no schema, no logging, no tracing) and no batching delay. With
// several topics (RELAY_TOPIC=a,b,c) it is the storm's "push + the router's publishes, no work" floor.
import { PubSub } from "@google-cloud/pubsub";
import { floorConfig } from "./config.js";
import { serveFloor } from "./serve.js";

const config = floorConfig();

const pubsub = new PubSub({ projectId: config.projectId });
const next = config.relayTopic
  .split(",")
  .map((topic) => pubsub.topic(topic, { batching: { maxMessages: 1 } }));

serveFloor({
  name: "floor-relay",
  onPush: async (body) => {
    const envelope = JSON.parse(Buffer.from(body).toString("utf8")) as {
      message: { data: string; attributes?: Record<string, string> };
    };
    const data = Buffer.from(envelope.message.data, "base64");
    const attributes = envelope.message.attributes ?? {};
    await Promise.all(next.map((topic) => topic.publishMessage({ data, attributes })));
  },
});
