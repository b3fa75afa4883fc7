// The actioners' floor with its clients loaded off the start-up path: it listens first and imports
// the Pub/Sub and Kubernetes clients on the first push (an experiment in lowering the floor itself).
import { floorConfig } from "./config.js";
import { serveFloor } from "./serve.js";

const config = floorConfig();

let clients: Promise<unknown> | undefined;
const loadClients = () =>
  Promise.all([import("@google-cloud/pubsub"), import("@kubernetes/client-node")]).then(([pubsub, k8s]) => {
    const kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromClusterAndUser(
      { name: "local", server: config.kubernetesUrl, skipTLSVerify: false },
      { name: "floor" },
    );
    return [new pubsub.PubSub({ projectId: config.projectId }), kubeConfig.makeApiClient(k8s.CoreV1Api)];
  });

serveFloor({
  name: "floor-pubsub-k8s-lazy",
  onPush: async () => {
    clients ??= loadClients();
    await clients;
  },
});
