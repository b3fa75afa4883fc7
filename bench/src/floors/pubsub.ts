// Floor for the router and the notifier: the Pub/Sub client they publish with, behind a bare 204.
import { PubSub } from "@google-cloud/pubsub";
import { floorConfig } from "./config.js";
import { serveFloor } from "./serve.js";

const config = floorConfig();

const pubsub = new PubSub({ projectId: config.projectId });
serveFloor({ name: `floor-pubsub (${pubsub.projectId})` });
