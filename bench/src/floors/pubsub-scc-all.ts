// The scc-exporter's floor importing the package root of @google-cloud/security-center (every API
// version and the static protos) instead of the v2 entry: what importing only v2 saves.
import { PubSub } from "@google-cloud/pubsub";
import { v2 } from "@google-cloud/security-center";
import { credentials } from "@grpc/grpc-js";
import { floorConfig } from "./config.js";
import { serveFloor } from "./serve.js";

const config = floorConfig();

const pubsub = new PubSub({ projectId: config.projectId });
const scc = new v2.SecurityCenterClient({
  apiEndpoint: config.sccHost,
  port: config.sccPort,
  sslCreds: credentials.createInsecure(),
});
serveFloor({ name: `floor-pubsub-scc-all (${pubsub.projectId}, ${typeof scc.updateFinding})` });
