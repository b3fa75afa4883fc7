// The last `logBytes` bytes of one container instance's log. The API offers the last N lines
// (tailLines) and the first N bytes of what it sends (limitBytes), not the last N bytes: so ask for
// a number of lines, cap the answer's size, and adjust the lines until the answer holds at least
// `logBytes` bytes or the whole log. The cap keeps a log of very long lines from filling memory.
import type { CoreV1Api } from "@kubernetes/client-node";
import { classifyKubernetesError } from "@riposte/actioner-kit";

export interface ContainerLogRequest {
  namespace: string;
  pod: string;
  container: string;
  /** The instance before the current one (after a restart). */
  previous: boolean;
}

export type LogRead =
  | { kind: "log"; content: Buffer /** Older lines were left out. */; truncated: boolean }
  | { kind: "none"; reason: string };

/** Lines asked for first: 1 MiB of 100-byte lines. */
const BYTES_PER_LINE_GUESS = 100;
/** Requests per log at most. */
const MAX_READS = 4;

export async function readLastLogBytes(
  core: CoreV1Api,
  request: ContainerLogRequest,
  logBytes: number,
): Promise<LogRead> {
  const cap = logBytes * 2;
  let tailLines = Math.max(10, Math.ceil(logBytes / BYTES_PER_LINE_GUESS));
  let last: Buffer = Buffer.alloc(0);
  for (let read = 0; read < MAX_READS; read += 1) {
    let text: string;
    try {
      text = await core.readNamespacedPodLog({
        name: request.pod,
        namespace: request.namespace,
        container: request.container,
        previous: request.previous,
        tailLines,
        limitBytes: cap,
      });
    } catch (error) {
      const failure = classifyKubernetesError(error);
      // 400: no such instance (no previous one, or waiting to start); 404: the pod is gone.
      if (failure.kind === "invalid" || failure.kind === "not-found")
        return { kind: "none", reason: failure.message.slice(0, 300) };
      throw error;
    }
    last = Buffer.from(text, "utf8");
    if (last.length >= cap && tailLines > 1) {
      // The cap cut these lines: they are longer than guessed; the tail lies beyond the cap.
      tailLines = Math.max(1, Math.floor(tailLines / 4));
      continue;
    }
    const lines = last.length === 0 ? 0 : last.toString("utf8").split("\n").length - 1;
    if (last.length >= logBytes || lines < tailLines) break;
    tailLines *= 4;
  }
  const truncated = last.length > logBytes;
  return { kind: "log", content: truncated ? last.subarray(last.length - logBytes) : last, truncated };
}
