// Which JSON API operation a request is, and the operation itself: buckets get/insert, objects
// get/download/list/delete, and the media / multipart / resumable uploads. Paths are accepted with
// the `/storage/v1` prefix (what the client uses with `apiEndpoint`) and without it (what it uses
// with STORAGE_EMULATOR_HOST, whose value becomes its base URL as is).

import { randomUUID } from "node:crypto";
import { invalid, notFound, StorageApiError } from "./api-error.js";
import type { StorageFault, StorageOperation } from "./faults.js";
import type { Preconditions, StandinBucket, StandinObject, StorageStore } from "./store.js";
import {
  applyChunk,
  type ContentRange,
  parseContentRange,
  parseMultipartRelated,
  type ResumableSession,
} from "./uploads.js";

export interface StorageRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
  /** `http://host:port` as the client addressed us, for session URIs and links. */
  origin: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  body?: Buffer;
}

export interface Route {
  operation: StorageOperation;
  /** `fault` is the "after" fault that will replace the answer, if any. */
  run(fault?: StorageFault): Answer;
}

export interface RouteContext {
  store: StorageStore;
  sessions: Map<string, ResumableSession>;
  projectId: string;
}

const enc = encodeURIComponent;

export function objectResource(object: StandinObject, origin: string): Record<string, unknown> {
  const path = `b/${enc(object.bucket)}/o/${enc(object.name)}`;
  const generation = String(object.generation);
  return {
    kind: "storage#object",
    id: `${object.bucket}/${object.name}/${generation}`,
    selfLink: `${origin}/storage/v1/${path}`,
    mediaLink: `${origin}/download/storage/v1/${path}?generation=${generation}&alt=media`,
    name: object.name,
    bucket: object.bucket,
    generation,
    metageneration: String(object.metageneration),
    contentType: object.contentType,
    storageClass: "STANDARD",
    size: String(object.data.length),
    md5Hash: object.md5Hash,
    crc32c: object.crc32c,
    etag: Buffer.from(`${generation}/${object.metageneration}`).toString("base64"),
    timeCreated: object.timeCreated,
    updated: object.timeCreated,
    timeStorageClassUpdated: object.timeCreated,
    ...(object.contentEncoding && { contentEncoding: object.contentEncoding }),
    ...(object.cacheControl && { cacheControl: object.cacheControl }),
    ...(object.metadata && { metadata: object.metadata }),
  };
}

function bucketResource(bucket: StandinBucket, origin: string): Record<string, unknown> {
  return {
    kind: "storage#bucket",
    id: bucket.name,
    selfLink: `${origin}/storage/v1/b/${enc(bucket.name)}`,
    name: bucket.name,
    projectNumber: "0",
    metageneration: "1",
    location: "US",
    storageClass: "STANDARD",
    etag: "CAE=",
    timeCreated: bucket.timeCreated,
    updated: bucket.timeCreated,
  };
}

function integerParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (!/^-?\d+$/.test(value)) throw invalid(`Invalid value for ${name}: '${value}'`);
  return Number(value);
}

function preconditionsOf(query: URLSearchParams): Preconditions {
  const p: Preconditions = {};
  for (const name of [
    "ifGenerationMatch",
    "ifGenerationNotMatch",
    "ifMetagenerationMatch",
    "ifMetagenerationNotMatch",
  ] as const) {
    const value = integerParam(query, name);
    if (value !== undefined) p[name] = value;
  }
  return p;
}

function jsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw invalid("The request body is not JSON.");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw invalid("The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

function objectNameOf(query: URLSearchParams, resource: Record<string, unknown>): string {
  const name = query.get("name") ?? (typeof resource.name === "string" ? resource.name : undefined);
  if (name === undefined) throw new StorageApiError(400, "required", "Required parameter: name");
  return name;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` over `size` bytes; undefined when no Range was asked. */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  const [, from = "", to = ""] = match;
  const range =
    from === ""
      ? { start: Math.max(0, size - Number(to)), end: size - 1 }
      : { start: Number(from), end: to === "" ? size - 1 : Math.min(Number(to), size - 1) };
  if (range.start >= size || range.start > range.end) {
    throw new StorageApiError(
      416,
      "requestedRangeNotSatisfiable",
      "The requested range cannot be satisfied.",
    );
  }
  return range;
}

function download(object: StandinObject, request: StorageRequest): Answer {
  const headers: Record<string, string> = {
    "content-type": object.contentType,
    "x-goog-hash": `crc32c=${object.crc32c},md5=${object.md5Hash}`,
    "x-goog-generation": String(object.generation),
    "x-goog-metageneration": String(object.metageneration),
    // The client validates a download's hashes only when this says how the bytes are stored.
    "x-goog-stored-content-encoding": object.contentEncoding ?? "identity",
    "x-goog-stored-content-length": String(object.data.length),
    "accept-ranges": "bytes",
    ...(object.contentEncoding && { "content-encoding": object.contentEncoding }),
  };
  const range = byteRange(request.headers.range, object.data.length);
  if (!range) return { status: 200, headers, body: object.data };
  headers["content-range"] = `bytes ${range.start}-${range.end}/${object.data.length}`;
  return { status: 206, headers, body: object.data.subarray(range.start, range.end + 1) };
}

function objectRoute(
  context: RouteContext,
  request: StorageRequest,
  bucket: string,
  name: string,
): Route | undefined {
  const { store } = context;
  const query = request.url.searchParams;
  const { origin } = request;
  if (request.method === "GET" && query.get("alt") === "media") {
    return {
      operation: "object.download",
      run() {
        const object = store.object(bucket, name, preconditionsOf(query));
        const generation = integerParam(query, "generation");
        if (generation !== undefined && generation !== object.generation)
          throw notFound(`object: ${bucket}/${name}#${generation}`);
        return download(object, request);
      },
    };
  }
  if (request.method === "GET") {
    return {
      operation: "object.get",
      run: () => ({
        status: 200,
        json: objectResource(store.object(bucket, name, preconditionsOf(query)), origin),
      }),
    };
  }
  if (request.method === "DELETE") {
    return {
      operation: "object.delete",
      run() {
        store.delete(bucket, name, preconditionsOf(query));
        return { status: 204 };
      },
    };
  }
  return undefined;
}

function jsonApiRoute(context: RouteContext, request: StorageRequest, path: string): Route | undefined {
  const { store } = context;
  const query = request.url.searchParams;
  const { origin } = request;
  if (path === "/b" && request.method === "POST") {
    return {
      operation: "bucket.insert",
      run() {
        const resource = jsonBody(request.body);
        if (typeof resource.name !== "string")
          throw new StorageApiError(400, "required", "Required parameter: name");
        const bucket = store.createBucket(resource.name, query.get("project") ?? context.projectId);
        return { status: 200, json: bucketResource(bucket, origin) };
      },
    };
  }
  const match = /^\/b\/([^/]+)(\/o(?:\/(.+))?)?$/.exec(path);
  if (!match) return undefined;
  const [, rawBucket = "", objects, rawName] = match;
  const bucket = decodeURIComponent(rawBucket);
  if (rawName !== undefined) return objectRoute(context, request, bucket, decodeURIComponent(rawName));
  if (objects !== undefined && request.method === "GET") {
    return {
      operation: "object.list",
      run() {
        const maxResults = integerParam(query, "maxResults");
        const page = store.list(bucket, {
          ...(query.get("prefix") !== null && { prefix: query.get("prefix") as string }),
          ...(query.get("delimiter") && { delimiter: query.get("delimiter") as string }),
          ...(query.get("pageToken") && { pageToken: query.get("pageToken") as string }),
          ...(maxResults !== undefined && { maxResults }),
        });
        return {
          status: 200,
          json: {
            kind: "storage#objects",
            ...(page.items.length > 0 && { items: page.items.map((o) => objectResource(o, origin)) }),
            ...(page.prefixes.length > 0 && { prefixes: page.prefixes }),
            ...(page.nextPageToken && { nextPageToken: page.nextPageToken }),
          },
        };
      },
    };
  }
  if (objects === undefined && request.method === "GET") {
    return {
      operation: "bucket.get",
      run: () => ({ status: 200, json: bucketResource(store.bucket(bucket), origin) }),
    };
  }
  return undefined;
}

function resumableStart(context: RouteContext, request: StorageRequest, bucket: string): Answer {
  const query = request.url.searchParams;
  const resource = jsonBody(request.body);
  const name = objectNameOf(query, resource);
  const preconditions = preconditionsOf(query);
  // Checked here as well as at the end, as the real API does: a doomed upload fails before any bytes.
  context.store.checkWrite(bucket, name, preconditions);
  const id = randomUUID();
  const mediaContentType = request.headers["x-upload-content-type"];
  context.sessions.set(id, {
    id,
    bucket,
    name,
    resource,
    preconditions,
    received: [],
    size: 0,
    ...(mediaContentType && { mediaContentType }),
  });
  const location = `${request.origin}/upload/storage/v1/b/${enc(bucket)}/o?uploadType=resumable&name=${enc(name)}&upload_id=${id}`;
  return { status: 200, headers: { location } };
}

/** The range and bytes of a chunk cut after `keepBytes` bytes: never the end of the upload. */
function cutChunk(
  range: ContentRange,
  body: Buffer,
  keepBytes: number,
): { range: ContentRange; body: Buffer } {
  if (range.first === undefined || keepBytes >= body.length) return { range, body };
  const kept = body.subarray(0, keepBytes);
  // A status query when nothing was kept; else the kept bytes as a chunk of a total not reached.
  if (kept.length === 0) return { range: {}, body: kept };
  return { range: { first: range.first, last: range.first + kept.length - 1 }, body: kept };
}

function resumableChunk(
  context: RouteContext,
  request: StorageRequest,
  id: string,
  fault?: StorageFault,
): Answer {
  const session = context.sessions.get(id);
  if (!session) throw notFound(`upload session: ${id}`);
  const declared = parseContentRange(request.headers["content-range"]);
  const { range, body } =
    fault?.keepBytes === undefined
      ? { range: declared, body: request.body }
      : cutChunk(declared, request.body, fault.keepBytes);
  const result = applyChunk(context.store, session, range, body);
  if (result.kind === "failed") throw result.error;
  if (result.kind === "done") return { status: 200, json: objectResource(result.object, request.origin) };
  return {
    status: 308,
    headers: result.persisted > 0 ? { range: `bytes=0-${result.persisted - 1}` } : {},
  };
}

function uploadRoute(context: RouteContext, request: StorageRequest, path: string): Route | undefined {
  const match = /^\/b\/([^/]+)\/o$/.exec(path);
  if (!match) return undefined;
  const bucket = decodeURIComponent(match[1] ?? "");
  const query = request.url.searchParams;
  const uploadId = query.get("upload_id");
  const { store } = context;
  if (uploadId !== null && request.method === "PUT") {
    return {
      operation: "upload.resumable-chunk",
      run: (fault) => resumableChunk(context, request, uploadId, fault),
    };
  }
  if (uploadId !== null && request.method === "DELETE") {
    return {
      operation: "upload.resumable-cancel",
      run() {
        if (!context.sessions.delete(uploadId)) throw notFound(`upload session: ${uploadId}`);
        return { status: 499 };
      },
    };
  }
  if (request.method !== "POST") return undefined;
  const uploadType = query.get("uploadType");
  if (uploadType === "resumable") {
    return { operation: "upload.resumable-start", run: () => resumableStart(context, request, bucket) };
  }
  const write = (
    operation: StorageOperation,
    parse: () => { resource: Record<string, unknown>; data: Buffer; mediaContentType?: string },
  ): Route => ({
    operation,
    run() {
      const { resource, data, mediaContentType } = parse();
      const object = store.write({
        bucket,
        name: objectNameOf(query, resource),
        data,
        resource,
        preconditions: preconditionsOf(query),
        ...(mediaContentType && { mediaContentType }),
      });
      return { status: 200, json: objectResource(object, request.origin) };
    },
  });
  if (uploadType === "multipart") {
    return write("upload.multipart", () =>
      parseMultipartRelated(request.body, request.headers["content-type"]),
    );
  }
  if (uploadType === "media") {
    const contentType = request.headers["content-type"];
    return write("upload.media", () => ({
      resource: {},
      data: request.body,
      ...(contentType && { mediaContentType: contentType }),
    }));
  }
  return undefined;
}

/** The operation for this request, or undefined when the stand-in does not implement it. */
export function routeRequest(context: RouteContext, request: StorageRequest): Route | undefined {
  const pathname = request.url.pathname;
  const upload = /^\/upload\/storage\/v1(\/.*)$/.exec(pathname);
  if (upload?.[1]) return uploadRoute(context, request, upload[1]);
  const download = /^\/download\/storage\/v1(\/.*)$/.exec(pathname);
  if (download?.[1]) return jsonApiRoute(context, request, download[1]);
  const path = pathname.startsWith("/storage/v1/") ? pathname.slice("/storage/v1".length) : pathname;
  return jsonApiRoute(context, request, path);
}
