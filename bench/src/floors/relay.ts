// The relay floor: take the pushed message and publish its data to the next topic(s) with no work in
// between (no schema, no logging, no tracing), through a publisher with the services' own batching
// settings (RELAY_BATCHING). With one topic it is the first hop of the two-hop latency floor; with three
// (RELAY_TOPIC=a,b,c) it does what the router must do for a Critical alert — push in, three publishes
// out — and nothing else: the floor of the router over HTTP, in the storm and at cold start.
import { PubSub } from "@google-cloud/pubsub";
import { floorConfig } from "./config.js";
import { RELAY_BATCHING } from "./relay-batching.js";
import { serveFloor } from "./serve.js";

const config = floorConfig();

const pubsub = new PubSub({ projectId: config.projectId });
const next = config.relayTopic.split(",").map((topic) => pubsub.topic(topic, { batching: RELAY_BATCHING }));

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
