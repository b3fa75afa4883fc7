// The last `logBytes` bytes of one container instance's log. The API offers the last N lines
// (tailLines) and the first N bytes of what it sends (limitBytes), not the last N bytes: so ask for a
// number of lines under a size cap, and re-ask from what the answer showed of the lines' length —
// more lines when the answer held fewer than `logBytes` bytes of a longer log, fewer when the cap cut
// it (the cap keeps a log of very long lines from filling memory). One line longer than the cap
// cannot be tailed through the API: its first bytes are kept, and the read says so.
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
  | {
      kind: "log";
      content: Buffer;
      /** Older lines were left out. */
      truncated: boolean;
      /** Why the content may not be the log's last bytes (a line longer than the cap), if so. */
      note?: string;
    }
  | { kind: "none"; reason: string };

/** The first guess of a line's length. */
const BYTES_PER_LINE_GUESS = 100;
/** Requests per log at most: enough to converge from a guess off by far in either direction. */
const MAX_READS = 6;
/** The answer's cap beyond `logBytes`: room for the lines' estimate to be off by half. */
const capFor = (logBytes: number) => 2 * logBytes + 64 * 1_024;

const lineCount = (content: Buffer) => {
  let count = 0;
  for (const byte of content) if (byte === 0x0a) count += 1;
  return count;
};

export async function readLastLogBytes(
  core: CoreV1Api,
  request: ContainerLogRequest,
  logBytes: number,
): Promise<LogRead> {
  const cap = capFor(logBytes);
  let tailLines = Math.max(10, Math.ceil(logBytes / BYTES_PER_LINE_GUESS));
  /** The last answer that held whole lines (not cut by the cap). */
  let whole: Buffer | undefined;
  let cut: Buffer | undefined;
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
    const answer = Buffer.from(text, "utf8");
    const lines = Math.max(1, lineCount(answer));
    const bytesPerLine = answer.length / lines;
    if (answer.length >= cap) {
      // The cap cut the answer: the last `tailLines` lines are longer than the cap; ask for fewer.
      cut = answer;
      if (tailLines === 1) break;
      tailLines = Math.max(1, Math.min(tailLines - 1, Math.floor(logBytes / bytesPerLine)));
      continue;
    }
    whole = answer;
    // Enough bytes, or the whole log (fewer lines than asked for): done.
    if (answer.length >= logBytes || lineCount(answer) < tailLines) break;
    const wanted = Math.ceil((logBytes / Math.max(1, bytesPerLine)) * 1.25) + 1;
    tailLines = Math.max(tailLines * 2, wanted);
  }
  // The latest whole lines, even if fewer bytes than asked for (the reads ran out): the real tail.
  if (whole) {
    const truncated = whole.length > logBytes;
    return { kind: "log", content: truncated ? whole.subarray(whole.length - logBytes) : whole, truncated };
  }
  // Only cut answers (one line longer than the cap): its first bytes, said as such.
  const head = (cut ?? Buffer.alloc(0)).subarray(0, logBytes);
  return {
    kind: "log",
    content: head,
    truncated: true,
    note: `the last line is longer than ${cap} bytes: the API gives its first bytes only, kept here`,
  };
}
