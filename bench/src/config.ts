// The benchmark's one reader of its own environment (as a service's config module is). The processes
// it starts get only what it hands them, never its environment wholesale.
export interface BenchConfig {
  /** Where the started processes find programs (the project's Node first, under npm run bench). */
  path: string;
}

export function benchConfig(env: Readonly<Record<string, string | undefined>> = process.env): BenchConfig {
  return { path: env.PATH ?? "" };
}

/** Off Google Cloud: the Google clients in the benchmark's own process must not probe the metadata server. */
export function disableMetadataServerDetection(env: Record<string, string | undefined> = process.env): void {
  env.METADATA_SERVER_DETECTION = "none";
}
