// Buckets and objects as Cloud Storage keeps them: every write of an object makes a new generation
// (metageneration 1) with md5Hash and crc32c computed from its bytes, and preconditions are checked
// and the write applied in one synchronous step, so two racing writers cannot both pass
// ifGenerationMatch=0.

import { conditionNotMet, invalid, notFound, StorageApiError } from "./api-error.js";
import { crc32cBase64, md5Base64 } from "./hashes.js";

export interface StandinBucket {
  name: string;
  projectId: string;
  timeCreated: string;
}

export interface StandinObject {
  bucket: string;
  name: string;
  /** The object's bytes as stored (gzip-compressed when contentEncoding is gzip). */
  data: Buffer;
  generation: number;
  metageneration: number;
  contentType: string;
  contentEncoding?: string;
  cacheControl?: string;
  /** Custom metadata (`metadata.metadata` in the client). */
  metadata?: Record<string, string>;
  md5Hash: string;
  crc32c: string;
  timeCreated: string;
}

/** ifGenerationMatch & co. as numbers; absent ones are undefined. */
export interface Preconditions {
  ifGenerationMatch?: number;
  ifGenerationNotMatch?: number;
  ifMetagenerationMatch?: number;
  ifMetagenerationNotMatch?: number;
}

/** What an upload asks to be written. */
export interface ObjectWrite {
  bucket: string;
  name: string;
  data: Buffer;
  /** The object resource the client sent (multipart part 1, resumable session body). */
  resource: Record<string, unknown>;
  /** Content-Type of the media, when the resource does not say. */
  mediaContentType?: string;
  preconditions: Preconditions;
}

export interface ListOptions {
  prefix?: string;
  delimiter?: string;
  pageToken?: string;
  maxResults?: number;
}

export interface ListPage {
  items: StandinObject[];
  prefixes: string[];
  nextPageToken?: string;
}

const bucketNamePattern = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

export function checkBucketName(name: string): void {
  if (!bucketNamePattern.test(name)) throw invalid(`Invalid bucket name: '${name}'`);
}

/** Cloud Storage's object naming rules (the ones that make the API answer 400). */
export function checkObjectName(name: string): void {
  const bytes = Buffer.byteLength(name, "utf8");
  if (bytes === 0 || bytes > 1024) throw invalid("The object name must be 1-1024 bytes of UTF-8.");
  if (/[\r\n]/.test(name)) throw invalid("Object names may not contain carriage return or line feed.");
  if (name === "." || name === "..") throw invalid(`Invalid object name: '${name}'`);
  if (name.startsWith(".well-known/acme-challenge/")) throw invalid(`Invalid object name: '${name}'`);
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) if (entry !== null) out[key] = String(entry);
  return out;
}

const optionalString = (value: unknown) => (typeof value === "string" ? value : undefined);

/** Object names in the order the API lists them: by their UTF-8 bytes. */
const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export interface StorageStore {
  buckets(): StandinBucket[];
  bucket(name: string): StandinBucket;
  createBucket(name: string, projectId: string): StandinBucket;
  object(bucket: string, name: string, preconditions?: Preconditions): StandinObject;
  /** Every live object, optionally of one bucket, in listing order. */
  objects(bucket?: string): StandinObject[];
  /** Checks preconditions against the live object, as an upload must do before taking bytes. */
  checkWrite(bucket: string, name: string, preconditions: Preconditions): void;
  write(write: ObjectWrite): StandinObject;
  delete(bucket: string, name: string, preconditions: Preconditions): void;
  list(bucket: string, options: ListOptions): ListPage;
  reset(): void;
}

function checkPreconditions(current: StandinObject | undefined, p: Preconditions): void {
  const generation = current?.generation ?? 0;
  if (p.ifGenerationMatch !== undefined && p.ifGenerationMatch !== generation)
    throw conditionNotMet("If-Match");
  if (p.ifGenerationNotMatch !== undefined && p.ifGenerationNotMatch === generation) {
    throw conditionNotMet("If-Match");
  }
  if (p.ifMetagenerationMatch !== undefined && p.ifMetagenerationMatch !== current?.metageneration) {
    throw conditionNotMet("If-Metageneration-Match");
  }
  if (p.ifMetagenerationNotMatch !== undefined && p.ifMetagenerationNotMatch === current?.metageneration) {
    throw conditionNotMet("If-Metageneration-Match");
  }
}

function encodePageToken(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

function decodePageToken(token: string): string {
  const key = Buffer.from(token, "base64url").toString("utf8");
  if (key.length === 0) throw invalid("Invalid pageToken.");
  return key;
}

export function createStorageStore(now: () => number): StorageStore {
  let buckets = new Map<string, StandinBucket>();
  let objects = new Map<string, StandinObject>();
  // Generations look like the real ones (microseconds) and only ever grow, even within a millisecond.
  let lastGeneration = 0;
  const nextGeneration = () => {
    lastGeneration = Math.max(lastGeneration + 1, now() * 1000);
    return lastGeneration;
  };
  const key = (bucket: string, name: string) => `${bucket}\u0000${name}`;

  const store: StorageStore = {
    buckets: () => [...buckets.values()],
    bucket(name) {
      const bucket = buckets.get(name);
      if (!bucket) throw notFound(`bucket: ${name}`);
      return bucket;
    },
    createBucket(name, projectId) {
      checkBucketName(name);
      if (buckets.has(name)) {
        throw new StorageApiError(
          409,
          "conflict",
          "Your previous request to create the named bucket succeeded and you already own it.",
        );
      }
      const bucket = { name, projectId, timeCreated: new Date(now()).toISOString() };
      buckets.set(name, bucket);
      return bucket;
    },
    object(bucket, name, preconditions = {}) {
      store.bucket(bucket);
      const object = objects.get(key(bucket, name));
      if (!object) throw notFound(`object: ${bucket}/${name}`);
      checkPreconditions(object, preconditions);
      return object;
    },
    objects(bucket) {
      return [...objects.values()]
        .filter((o) => bucket === undefined || o.bucket === bucket)
        .sort((a, b) => a.bucket.localeCompare(b.bucket) || byUtf8(a.name, b.name));
    },
    checkWrite(bucket, name, preconditions) {
      store.bucket(bucket);
      checkObjectName(name);
      checkPreconditions(objects.get(key(bucket, name)), preconditions);
    },
    write({ bucket, name, data, resource, mediaContentType, preconditions }) {
      store.checkWrite(bucket, name, preconditions);
      const contentEncoding = optionalString(resource.contentEncoding);
      const cacheControl = optionalString(resource.cacheControl);
      const metadata = stringRecord(resource.metadata);
      const object: StandinObject = {
        bucket,
        name,
        data,
        generation: nextGeneration(),
        metageneration: 1,
        contentType: optionalString(resource.contentType) ?? mediaContentType ?? "application/octet-stream",
        ...(contentEncoding && { contentEncoding }),
        ...(cacheControl && { cacheControl }),
        ...(metadata && { metadata }),
        md5Hash: md5Base64(data),
        crc32c: crc32cBase64(data),
        timeCreated: new Date(now()).toISOString(),
      };
      objects.set(key(bucket, name), object);
      return object;
    },
    delete(bucket, name, preconditions) {
      store.object(bucket, name, preconditions);
      objects.delete(key(bucket, name));
    },
    list(bucket, { prefix = "", delimiter, pageToken, maxResults = 1000 }) {
      store.bucket(bucket);
      if (!Number.isInteger(maxResults) || maxResults < 1) throw invalid("Invalid maxResults.");
      // One entry per object or per collapsed prefix, so a page boundary never splits a prefix.
      const entries = new Map<string, StandinObject | null>();
      for (const object of store.objects(bucket)) {
        if (!object.name.startsWith(prefix)) continue;
        const cut = delimiter ? object.name.indexOf(delimiter, prefix.length) : -1;
        if (delimiter && cut >= 0) entries.set(object.name.slice(0, cut + delimiter.length), null);
        else entries.set(object.name, object);
      }
      const after = pageToken ? decodePageToken(pageToken) : undefined;
      const keys = [...entries.keys()]
        .sort(byUtf8)
        .filter((k) => after === undefined || byUtf8(k, after) > 0);
      const page = keys.slice(0, Math.min(maxResults, 1000));
      const last = page.at(-1);
      return {
        items: page.flatMap((k) => entries.get(k) ?? []),
        prefixes: page.filter((k) => entries.get(k) === null),
        ...(keys.length > page.length && last !== undefined && { nextPageToken: encodePageToken(last) }),
      };
    },
    reset() {
      buckets = new Map();
      objects = new Map();
    },
  };
  return store;
}
