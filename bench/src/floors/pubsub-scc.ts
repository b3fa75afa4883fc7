// Floor for the scc-exporter: the Pub/Sub client and the SCC v2 client (the v2 entry alone, as the
// service imports it), behind a bare 204.
import { PubSub } from "@google-cloud/pubsub";
import { SecurityCenterClient } from "@google-cloud/security-center/build/src/v2/index.js";
import { credentials } from "@grpc/grpc-js";
import { floorConfig } from "./config.js";
import { serveFloor } from "./serve.js";

const config = floorConfig();

const pubsub = new PubSub({ projectId: config.projectId });
const scc = new SecurityCenterClient({
  apiEndpoint: config.sccHost,
  port: config.sccPort,
  sslCreds: credentials.createInsecure(),
});
serveFloor({ name: `floor-pubsub-scc (${pubsub.projectId}, ${typeof scc.updateFinding})` });
