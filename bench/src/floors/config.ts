// The floors' one reader of the environment (as a service's config module is): where to listen, which
// project, and where the clients they construct would connect.
export interface FloorConfig {
  port: number;
  projectId: string;
  kubernetesUrl: string;
  sccHost: string;
  sccPort: number;
  relayTopic: string;
}

export function floorConfig(env: Readonly<Record<string, string | undefined>> = process.env): FloorConfig {
  const [sccHost, sccPort] = (env.SCC_ENDPOINT ?? "127.0.0.1:8443").split(":");
  return {
    port: Number(env.PORT ?? 8080),
    projectId: env.GOOGLE_CLOUD_PROJECT ?? "riposte-bench",
    kubernetesUrl: env.KUBERNETES_URL ?? "http://127.0.0.1:6443",
    sccHost: sccHost ?? "127.0.0.1",
    sccPort: Number(sccPort ?? 8443),
    relayTopic: env.RELAY_TOPIC ?? "floor-hop-2",
  };
}
