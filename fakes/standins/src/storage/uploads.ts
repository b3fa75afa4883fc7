// The three upload protocols of the JSON API: `media` (bytes only), `multipart` (multipart/related:
// the object resource as JSON, then the bytes) and `resumable` (a session created by POST, then PUTs
// carrying Content-Range; 308 with Range while incomplete, the object once the last byte is in).

import { invalid, StorageApiError } from "./api-error.js";
import type { ObjectWrite, Preconditions, StandinObject, StorageStore } from "./store.js";

export interface MultipartUpload {
  resource: Record<string, unknown>;
  mediaContentType?: string;
  data: Buffer;
}

function headerValue(headerBlock: string, name: string): string | undefined {
  for (const line of headerBlock.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name) return line.slice(colon + 1).trim();
  }
  return undefined;
}

/** The resource part and the media part of a multipart/related body. */
export function parseMultipartRelated(body: Buffer, contentType: string | undefined): MultipartUpload {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType ?? "")?.[1];
  if (!contentType?.toLowerCase().startsWith("multipart/related") || !boundary) {
    throw invalid("uploadType=multipart needs Content-Type: multipart/related; boundary=…");
  }
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { headers: string; body: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw invalid("Multipart body is not terminated by its boundary.");
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) throw invalid("Multipart part without a header block.");
    // The part's body ends with the CRLF that precedes the next delimiter.
    const partBody = part.subarray(headerEnd + 4, part.length - 2);
    parts.push({ headers: part.subarray(0, headerEnd).toString("utf8"), body: partBody });
    at = next;
  }
  const [resourcePart, mediaPart] = parts;
  if (parts.length !== 2 || !resourcePart || !mediaPart) {
    throw invalid(`Multipart upload needs exactly 2 parts, got ${parts.length}.`);
  }
  let resource: unknown;
  try {
    resource = JSON.parse(resourcePart.body.toString("utf8"));
  } catch {
    throw invalid("The multipart upload's first part is not JSON.");
  }
  if (resource === null || typeof resource !== "object" || Array.isArray(resource)) {
    throw invalid("The multipart upload's first part must be a JSON object.");
  }
  const mediaContentType = headerValue(mediaPart.headers, "content-type");
  return {
    resource: resource as Record<string, unknown>,
    data: mediaPart.body,
    ...(mediaContentType && { mediaContentType }),
  };
}

/** `bytes A-B/T`, `bytes A-*\/T` (the rest of the object in this request), `bytes *\/T` (a query). */
export interface ContentRange {
  /** Absent for a status query (`bytes *\/…`). */
  first?: number;
  /** Absent when the range's end is `*`. */
  last?: number;
  /** Absent when the total is `*` (not known yet). */
  total?: number;
}

export function parseContentRange(header: string | undefined): ContentRange {
  const match = /^bytes (?:\*|(\d+)-(\d+|\*))\/(\d+|\*)$/.exec(header?.trim() ?? "");
  if (!match) throw invalid(`Unparseable Content-Range: '${header ?? ""}'`);
  const [, first, last, total] = match;
  const range: ContentRange = {};
  if (first !== undefined) range.first = Number(first);
  if (last !== undefined && last !== "*") range.last = Number(last);
  if (total !== undefined && total !== "*") range.total = Number(total);
  if (range.first !== undefined && range.last !== undefined && range.last < range.first) {
    throw invalid(`Content-Range ends before it starts: '${header}'`);
  }
  return range;
}

export interface ResumableSession {
  id: string;
  bucket: string;
  name: string;
  resource: Record<string, unknown>;
  mediaContentType?: string;
  preconditions: Preconditions;
  /** Bytes persisted so far, in order. */
  received: Buffer[];
  size: number;
  /** Set once the last byte is in: the object written, or the refusal every later PUT repeats. */
  outcome?: { object: StandinObject } | { error: StorageApiError };
}

export type ChunkResult =
  | { kind: "incomplete"; persisted: number }
  | { kind: "done"; object: StandinObject }
  | { kind: "failed"; error: StorageApiError };

/**
 * Applies one PUT to a session: appends the bytes not already persisted, and finishes the upload
 * when the last byte is known to be in (the total is reached, or a `bytes A-*\/*` request ended).
 */
export function applyChunk(
  store: StorageStore,
  session: ResumableSession,
  range: ContentRange,
  body: Buffer,
): ChunkResult {
  if (session.outcome) {
    return "object" in session.outcome
      ? { kind: "done", object: session.outcome.object }
      : { kind: "failed", error: session.outcome.error };
  }
  if (range.first === undefined) {
    if (body.length > 0) throw invalid("A status query (Content-Range: bytes */…) must have an empty body.");
  } else {
    if (range.first > session.size) {
      throw invalid(`Content-Range starts at ${range.first} but only ${session.size} bytes were received.`);
    }
    if (range.last !== undefined && range.last - range.first + 1 !== body.length) {
      throw invalid(`Content-Range says ${range.last - range.first + 1} bytes, the body has ${body.length}.`);
    }
    // Bytes the session already has (a retried chunk) are skipped, not appended twice.
    const fresh = body.subarray(session.size - range.first);
    if (fresh.length > 0) {
      session.received.push(Buffer.from(fresh));
      session.size += fresh.length;
    }
  }
  if (range.total !== undefined && session.size > range.total) {
    throw invalid(`Received ${session.size} bytes, more than the declared total ${range.total}.`);
  }
  const complete =
    (range.total !== undefined && session.size === range.total) ||
    (range.total === undefined && range.first !== undefined && range.last === undefined);
  if (!complete) return { kind: "incomplete", persisted: session.size };
  return finish(store, session);
}

function finish(store: StorageStore, session: ResumableSession): ChunkResult {
  const write: ObjectWrite = {
    bucket: session.bucket,
    name: session.name,
    data: Buffer.concat(session.received),
    resource: session.resource,
    preconditions: session.preconditions,
    ...(session.mediaContentType && { mediaContentType: session.mediaContentType }),
  };
  try {
    const object = store.write(write);
    session.outcome = { object };
    return { kind: "done", object };
  } catch (error) {
    if (!(error instanceof StorageApiError)) throw error;
    session.outcome = { error };
    return { kind: "failed", error };
  }
}
