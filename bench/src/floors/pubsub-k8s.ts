// Floor for the Kubernetes actioners (pod-killer, isolator, tainter): the Pub/Sub client and the
// Kubernetes client (with the API objects they make), behind a bare 204.
import { PubSub } from "@google-cloud/pubsub";
import { CoreV1Api, KubeConfig, NetworkingV1Api } from "@kubernetes/client-node";
import { floorConfig } from "./config.js";
import { serveFloor } from "./serve.js";

const config = floorConfig();

const pubsub = new PubSub({ projectId: config.projectId });
const kubeConfig = new KubeConfig();
kubeConfig.loadFromClusterAndUser(
  { name: "local", server: config.kubernetesUrl, skipTLSVerify: false },
  { name: "floor" },
);
const clients = [kubeConfig.makeApiClient(CoreV1Api), kubeConfig.makeApiClient(NetworkingV1Api)];
serveFloor({ name: `floor-pubsub-k8s (${pubsub.projectId}, ${clients.length} API clients)` });
