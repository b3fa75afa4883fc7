// Cloud Storage: the console page of an object prefix, such as an evidence bundle's gs://BUCKET/prefix/.
const STORAGE_CONSOLE = "https://console.cloud.google.com/storage/browser";
// A bucket without dots, as Riposte's evidence bucket is named (contracts' EvidenceBucketName), and a
// prefix of plain path segments (evidence prefixes are Kubernetes names and an incident key).
const GS_LOCATION = /^gs:\/\/([a-z0-9][a-z0-9_-]{1,61}[a-z0-9])\/((?:[A-Za-z0-9._-]+\/)*)$/;

/** The console page listing `gs://BUCKET/prefix/`, or undefined when it is not such a location. */
export function storageConsoleUrl(location: string): string | undefined {
  const match = GS_LOCATION.exec(location);
  if (!match) return undefined;
  const [, bucket, prefix] = match as unknown as [string, string, string];
  if (prefix.split("/").some((segment) => segment === "." || segment === "..")) return undefined;
  return `${STORAGE_CONSOLE}/${bucket}/${prefix}`;
}

export function isStorageConsoleUrl(url: string): boolean {
  return url.startsWith(`${STORAGE_CONSOLE}/`);
}
