// The traffic of the benchmark: the shipped 1.1 KB falcosidekick alert (a Critical exec in a pod), made
// unique per use by its time (the incident key depends on it, so the router's dedup never short-cuts a
// repeat), wrapped in push envelopes exactly as Pub/Sub sends them.
import { readFileSync } from "node:fs";

export const ALERT_FILE = "sidekick-critical-drop-exec.json";
const EXAMPLES = new URL("../../examples/", import.meta.url);

export function exampleAlertText(file = ALERT_FILE): string {
  return readFileSync(new URL(file, EXAMPLES), "utf8").trim();
}

type AlertDocument = Record<string, unknown> & { output_fields: Record<string, unknown> };

/**
 * Produces distinct variants of one example alert quickly: the JSON is rendered once around the `time`
 * value, and each variant only writes its own time in (an RFC 3339 time with nanoseconds, unique for
 * this process: its start in milliseconds plus a counter in the sub-millisecond digits).
 */
export interface AlertVariants {
  /** The alert JSON of variant `index` (≥ 0). */
  json(index: number): string;
  /** Bytes of the example as shipped. */
  readonly exampleBytes: number;
}

export function alertVariants(
  options: { file?: string; fields?: (index: number) => Record<string, unknown> } = {},
): AlertVariants {
  const text = exampleAlertText(options.file);
  const raw = JSON.parse(text) as AlertDocument;
  const base = Date.now();
  const timeOf = (index: number) => {
    const ms = new Date(base + Math.floor(index / 1_000_000)).toISOString().slice(0, 23);
    return `${ms}${String(index % 1_000_000).padStart(6, "0")}Z`;
  };
  if (options.fields) {
    const fields = options.fields;
    return {
      exampleBytes: Buffer.byteLength(text),
      json: (index) =>
        JSON.stringify({
          ...raw,
          time: timeOf(index),
          output_fields: { ...raw.output_fields, ...fields(index) },
        }),
    };
  }
  const [before, after] = JSON.stringify({ ...raw, time: "\u0000" }).split('"\\u0000"') as [string, string];
  return {
    exampleBytes: Buffer.byteLength(text),
    json: (index) => `${before}"${timeOf(index)}"${after}`,
  };
}

let nextMessageId = 1;

/** A wrapped push body as the emulator (and Pub/Sub) sends it. */
export function pushBody(
  data: string | Buffer,
  options: { attributes?: Record<string, string>; subscription?: string } = {},
): Buffer {
  const messageId = String(nextMessageId++);
  const publishTime = new Date().toISOString();
  return Buffer.from(
    JSON.stringify({
      message: {
        data: Buffer.from(data).toString("base64"),
        attributes: options.attributes ?? {},
        messageId,
        message_id: messageId,
        publishTime,
        publish_time: publishTime,
      },
      subscription: options.subscription ?? "projects/riposte-bench/subscriptions/router",
    }),
  );
}
