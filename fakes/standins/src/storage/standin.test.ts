// The Cloud Storage stand-in driven by the REAL @google-cloud/storage client over HTTP: the upload
// protocols it picks, generations and preconditions, hashes it validates, paging, and how its
// retries meet 5xx faults.

import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CRC32C, Storage, type StorageOptions } from "@google-cloud/storage";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type StorageStandin, startStorageStandin, storageClientOptionsFor } from "./standin.js";

// The client's defaults wait 1 s, 2 s, 4 s… (+ up to 1 s jitter) between attempts, up to 64 s each.
// The floor is 1 s: save() and the resumable session POST retry through async-retry, whose fixed
// minTimeout (1000 ms) must not exceed maxRetryDelay*1000 ("minTimeout is greater than maxTimeout"),
// so maxRetryDelay cannot go below 1. A multiplier near 0 makes the later waits ~0 (async-retry) or
// jitter only (≤ 1 s, retry-request and resumable chunks).
const fastRetries: StorageOptions["retryOptions"] = {
  maxRetryDelay: 1,
  retryDelayMultiplier: 0.001,
  totalTimeout: 30,
};

let standin: StorageStandin;
let storage: Storage;
const bucketName = "riposte-evidence";

/** The error a client call rejected with. */
async function rejection(
  promise: Promise<unknown>,
): Promise<{ code?: number | string; message: string; errors?: unknown[] }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: number; message: string };
  }
  throw new Error("expected the call to fail, it succeeded");
}

const operations = () => standin.requests.map((r) => `${r.operation ?? "?"} ${r.status}`);
const md5 = (data: Buffer) => createHash("md5").update(data).digest("base64");

beforeAll(async () => {
  standin = await startStorageStandin();
});
afterAll(async () => {
  await standin.close();
});
beforeEach(() => {
  standin.reset();
  standin.seedBucket(bucketName);
  storage = new Storage({ ...storageClientOptionsFor(standin), retryOptions: fastRetries });
});

describe("buckets", () => {
  it("answers 404 for a bucket that does not exist, and the client can create it", async () => {
    const bucket = storage.bucket("created-by-client");
    expect(await bucket.exists()).toEqual([false]);
    await storage.createBucket("created-by-client");
    expect(await bucket.exists()).toEqual([true]);
    const [metadata] = await bucket.getMetadata();
    expect(metadata).toMatchObject({ kind: "storage#bucket", name: "created-by-client" });
    const conflict = await rejection(storage.createBucket("created-by-client"));
    expect(conflict.code).toBe(409);
    expect(operations()).toEqual([
      "bucket.get 404",
      "bucket.insert 200",
      "bucket.get 200",
      "bucket.get 200",
      "bucket.insert 409",
    ]);
  });

  it("refuses an upload into a bucket that does not exist with the client's 404", async () => {
    const error = await rejection(storage.bucket("no-such-bucket").file("x").save("x", { resumable: false }));
    expect(error.code).toBe(404);
  });
});

describe("uploads through each protocol the client uses", () => {
  it("save({resumable: false}) is one multipart/related POST; the stored bytes, md5 and crc32c match", async () => {
    const data = randomBytes(70_000);
    await storage
      .bucket(bucketName)
      .file("a/b.bin")
      .save(data, { resumable: false, contentType: "application/x-evidence" });
    expect(operations()).toEqual(["upload.multipart 200"]);
    const stored = standin.object(bucketName, "a/b.bin");
    expect(stored?.data.equals(data)).toBe(true);
    const crc = new CRC32C();
    crc.update(data);
    expect(stored).toMatchObject({
      contentType: "application/x-evidence",
      md5Hash: md5(data),
      crc32c: crc.toString(),
    });
  });

  it("save() is resumable by default, even for 5 bytes: one session POST and one PUT with Content-Range", async () => {
    const file = storage.bucket(bucketName).file("small.txt");
    await file.save("hello");
    expect(operations()).toEqual(["upload.resumable-start 200", "upload.resumable-chunk 200"]);
    expect(standin.requests[1]?.headers["content-range"]).toBe("bytes 0-*/*");
    expect(standin.object(bucketName, "small.txt")?.data.toString()).toBe("hello");
    expect(file.metadata.generation).toBe(String(standin.object(bucketName, "small.txt")?.generation));
  });

  it("createWriteStream({chunkSize}) sends chunks answered 308 with Range until the last one", async () => {
    const data = randomBytes(600 * 1024);
    await new Promise<void>((resolve, reject) => {
      storage
        .bucket(bucketName)
        .file("chunked.bin")
        .createWriteStream({ chunkSize: 256 * 1024 })
        .on("error", reject)
        .on("finish", resolve)
        .end(data);
    });
    expect(operations()).toEqual([
      "upload.resumable-start 200",
      "upload.resumable-chunk 308",
      "upload.resumable-chunk 308",
      "upload.resumable-chunk 200",
    ]);
    expect(standin.requests.slice(1).map((r) => r.headers["content-range"])).toEqual([
      "bytes 0-262143/*",
      "bytes 262144-524287/*",
      `bytes 524288-614399/614400`,
    ]);
    expect(standin.object(bucketName, "chunked.bin")?.data.equals(data)).toBe(true);
  });

  it("bucket.upload(path) is resumable; the file's name and detected content type are kept", async () => {
    const dir = await mkdtemp(join(tmpdir(), "storage-standin-"));
    try {
      const path = join(dir, "bundle.json");
      await writeFile(path, JSON.stringify({ pod: "cart-7d9f" }));
      await storage.bucket(bucketName).upload(path, { destination: "incidents/1/bundle.json" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(operations()).toEqual(["upload.resumable-start 200", "upload.resumable-chunk 200"]);
    expect(standin.object(bucketName, "incidents/1/bundle.json")).toMatchObject({
      contentType: "application/json",
    });
  });

  it("keeps object names with slashes, spaces, '%', '?', '#' and non-ASCII exactly", async () => {
    const names = ["a/b c/d", "100%/x?y#z", "évidence/ünïcode-✓", "trailing/"];
    for (const name of names) await storage.bucket(bucketName).file(name).save(name, { resumable: false });
    expect(
      standin
        .objects(bucketName)
        .map((o) => o.name)
        .sort(),
    ).toEqual([...names].sort());
    for (const name of names) {
      const [data] = await storage.bucket(bucketName).file(name).download();
      expect(data.toString()).toBe(name);
    }
  });

  it("refuses an invalid object name with 400", async () => {
    const error = await rejection(storage.bucket(bucketName).file("a\nb").save("x", { resumable: false }));
    expect(error.code).toBe(400);
  });
});

describe("generations and preconditions", () => {
  it("gives every write a new, larger generation and metageneration 1", async () => {
    const file = storage.bucket(bucketName).file("g");
    await file.save("one", { resumable: false });
    const first = file.metadata.generation;
    await file.save("two");
    const [metadata] = await file.getMetadata();
    expect(metadata.metageneration).toBe("1");
    expect(BigInt(String(metadata.generation))).toBeGreaterThan(BigInt(String(first)));
  });

  it("ifGenerationMatch: 0 on an existing object is 412 conditionNotMet in the real API's JSON shape", async () => {
    standin.seedObject(bucketName, "exists", "old");
    for (const resumable of [false, true]) {
      const error = await rejection(
        storage
          .bucket(bucketName)
          .file("exists")
          .save("new", { resumable, preconditionOpts: { ifGenerationMatch: 0 } }),
      );
      expect(error.code).toBe(412);
      expect(error.message).toBe("At least one of the pre-conditions you specified did not hold.");
    }
    const refused = standin.requests.filter((r) => r.status === 412);
    expect(refused.map((r) => [r.operation, r.reason])).toEqual([
      ["upload.multipart", "conditionNotMet"],
      ["upload.resumable-start", "conditionNotMet"],
    ]);
    expect(standin.object(bucketName, "exists")?.data.toString()).toBe("old");
  });

  it("ifGenerationMatch: N writes only over generation N", async () => {
    const seeded = standin.seedObject(bucketName, "n", "v1");
    const file = storage.bucket(bucketName).file("n");
    expect(
      (
        await rejection(
          file.save("v2", {
            resumable: false,
            preconditionOpts: { ifGenerationMatch: seeded.generation + 1 },
          }),
        )
      ).code,
    ).toBe(412);
    await file.save("v2", { resumable: false, preconditionOpts: { ifGenerationMatch: seeded.generation } });
    expect(
      (await rejection(file.save("v3", { preconditionOpts: { ifGenerationMatch: seeded.generation } }))).code,
    ).toBe(412);
    expect(standin.object(bucketName, "n")?.data.toString()).toBe("v2");
  });

  for (const resumable of [false, true]) {
    it(`two concurrent saves with ifGenerationMatch 0 (resumable: ${resumable}): exactly one wins, the other gets 412`, async () => {
      const file = (n: number) =>
        storage
          .bucket(bucketName)
          .file("race")
          .save(`writer ${n}`, { resumable, preconditionOpts: { ifGenerationMatch: 0 } });
      const results = await Promise.allSettled([file(1), file(2)]);
      const fulfilled = results.filter((r) => r.status === "fulfilled");
      const rejected = results.flatMap((r) =>
        r.status === "rejected" ? [r.reason as { code?: number }] : [],
      );
      expect(fulfilled).toHaveLength(1);
      expect(rejected.map((e) => e.code)).toEqual([412]);
      const winner = results.findIndex((r) => r.status === "fulfilled") + 1;
      expect(standin.object(bucketName, "race")?.data.toString()).toBe(`writer ${winner}`);
    });
  }

  it("resumable: when both sessions start before either ends, the precondition is checked again at the end", async () => {
    const resumable = (n: number) =>
      storage
        .bucket(bucketName)
        .file("late")
        .createResumableUpload({ preconditionOpts: { ifGenerationMatch: 0 } })
        .then(([uri]) => ({ n, uri }));
    const sessions = await Promise.all([resumable(1), resumable(2)]);
    const finish = ({ n, uri }: { n: number; uri: string }) =>
      storage
        .bucket(bucketName)
        .file("late")
        .save(`writer ${n}`, { uri, preconditionOpts: { ifGenerationMatch: 0 } });
    await finish(sessions[0] as { n: number; uri: string });
    const error = await rejection(finish(sessions[1] as { n: number; uri: string }));
    expect(error.code).toBe(412);
    expect(standin.object(bucketName, "late")?.data.toString()).toBe("writer 1");
  });
});

describe("downloads, listing and delete", () => {
  it("downloads with alt=media, and a byte range with Range → 206", async () => {
    standin.seedObject(bucketName, "d.txt", "0123456789", "text/plain");
    const file = storage.bucket(bucketName).file("d.txt");
    expect((await file.download())[0].toString()).toBe("0123456789");
    expect((await file.download({ start: 2, end: 5 }))[0].toString()).toBe("2345");
    expect((await file.download({ end: -3 }))[0].toString()).toBe("789");
    expect(standin.requests.map((r) => [r.query.alt, r.headers.range, r.status])).toEqual([
      ["media", undefined, 200],
      ["media", "bytes=2-5", 206],
      ["media", "bytes=-3", 206],
    ]);
  });

  it("an object uploaded with gzip is stored compressed, hashed as stored, and downloaded decompressed", async () => {
    const text = "evidence line\n".repeat(2000);
    const file = storage.bucket(bucketName).file("bundle.log");
    await file.save(text, { gzip: true, resumable: false, contentType: "text/plain" });
    const stored = standin.object(bucketName, "bundle.log");
    expect(stored?.contentEncoding).toBe("gzip");
    expect(stored?.data.length).toBeLessThan(text.length / 10);
    expect(stored?.md5Hash).toBe(md5(stored?.data ?? Buffer.alloc(0)));
    expect((await file.download())[0].toString()).toBe(text);
  });

  it("the client validates downloads against x-goog-hash: stored bytes changed behind its back fail", async () => {
    const seeded = standin.seedObject(bucketName, "tampered", "evidence bytes");
    seeded.data[0] = (seeded.data[0] ?? 0) ^ 1;
    const error = await rejection(storage.bucket(bucketName).file("tampered").download());
    expect(error.code).toBe("CONTENT_DOWNLOAD_MISMATCH");
  });

  it("lists with prefix and delimiter, and pages with maxResults / pageToken without splitting a prefix", async () => {
    for (const name of ["inc/1/a", "inc/1/b", "inc/2/a", "inc/3", "inc/4", "other"])
      standin.seedObject(bucketName, name, name);
    const bucket = storage.bucket(bucketName);
    const [all] = await bucket.getFiles({ prefix: "inc/" });
    expect(all.map((f) => f.name)).toEqual(["inc/1/a", "inc/1/b", "inc/2/a", "inc/3", "inc/4"]);
    const seen: string[] = [];
    let query: { pageToken?: string } | null = {};
    let pages = 0;
    while (query) {
      const [files, next, response] = await bucket.getFiles({
        prefix: "inc/",
        delimiter: "/",
        maxResults: 2,
        autoPaginate: false,
        ...query,
      });
      seen.push(...((response as { prefixes?: string[] }).prefixes ?? []), ...files.map((f) => f.name));
      query = next as { pageToken?: string } | null;
      pages++;
    }
    expect(pages).toBe(2);
    expect(seen.sort()).toEqual(["inc/1/", "inc/2/", "inc/3", "inc/4"]);
  });

  it("deletes, and a second delete is 404", async () => {
    standin.seedObject(bucketName, "gone", "x");
    const file = storage.bucket(bucketName).file("gone");
    await file.delete();
    expect(standin.object(bucketName, "gone")).toBeUndefined();
    expect((await rejection(file.delete())).code).toBe(404);
    expect(await file.exists()).toEqual([false]);
  });
});

describe("resumable uploads interrupted and resumed", () => {
  it("a partial upload resumed from its session URI and offset makes one object of all the bytes", async () => {
    const data = randomBytes(300 * 1024);
    const first = data.subarray(0, 256 * 1024);
    const file = storage.bucket(bucketName).file("resumed.bin");
    let uri = "";
    let crc32c = "";
    await new Promise<void>((resolve, reject) => {
      file
        .createWriteStream({ isPartialUpload: true, chunkSize: 256 * 1024 })
        .on("uri", (u: string) => {
          uri = u;
        })
        .on("crc32c", (c: string) => {
          crc32c = c;
        })
        .on("error", reject)
        .on("finish", resolve)
        .end(first);
    });
    expect(standin.object(bucketName, "resumed.bin")).toBeUndefined();
    expect(standin.openUploadSessions).toBe(1);
    await new Promise<void>((resolve, reject) => {
      file
        .createWriteStream({ uri, offset: first.length, resumeCRC32C: crc32c })
        .on("error", reject)
        .on("finish", resolve)
        .end(data.subarray(first.length));
    });
    expect(standin.object(bucketName, "resumed.bin")?.data.equals(data)).toBe(true);
    expect(standin.openUploadSessions).toBe(0);
  });

  for (const fault of [
    { status: 503, when: "before" as const },
    { status: 503, when: "after" as const },
    { dropConnection: true, when: "after" as const },
  ]) {
    it(`a chunk answered ${JSON.stringify(fault)} is resumed from the offset the server reports, no byte twice`, async () => {
      const data = randomBytes(600 * 1024);
      standin.faults.inject({ on: "upload.resumable-chunk", ...fault });
      await new Promise<void>((resolve, reject) => {
        storage
          .bucket(bucketName)
          .file("flaky.bin")
          .createWriteStream({ chunkSize: 256 * 1024, preconditionOpts: { ifGenerationMatch: 0 } })
          .on("error", reject)
          .on("finish", resolve)
          .end(data);
      });
      expect(standin.object(bucketName, "flaky.bin")?.data.equals(data)).toBe(true);
      // The client asks where the session stands (bytes */*) before sending more.
      expect(standin.requests.some((r) => r.headers["content-range"] === "bytes */*")).toBe(true);
    });
  }
});

describe("resumable uploads cut mid-chunk (fault keepBytes)", () => {
  it("with chunkSize, the client resends from the offset the session reports", async () => {
    const data = randomBytes(600 * 1024);
    standin.faults.inject({ on: "upload.resumable-chunk", status: 503, when: "after", keepBytes: 100_000 });
    await new Promise<void>((resolve, reject) => {
      storage
        .bucket(bucketName)
        .file("cut.bin")
        .createWriteStream({ chunkSize: 256 * 1024, preconditionOpts: { ifGenerationMatch: 0 } })
        .on("error", reject)
        .on("finish", resolve)
        .end(data);
    });
    expect(standin.object(bucketName, "cut.bin")?.data.equals(data)).toBe(true);
    expect(standin.requests.map((r) => r.headers["content-range"])).toContain("bytes 100000-362143/*");
  });

  it("save() in one request (no chunkSize) also recovers, or fails loudly — never a short object", async () => {
    const data = randomBytes(300 * 1024);
    standin.faults.inject({ on: "upload.resumable-chunk", status: 503, when: "after", keepBytes: 100_000 });
    const outcome = await storage
      .bucket(bucketName)
      .file("cut-single.bin")
      .save(data, { preconditionOpts: { ifGenerationMatch: 0 } })
      .then(
        () => "saved",
        (error: Error) => `failed: ${error.message}`,
      );
    const stored = standin.object(bucketName, "cut-single.bin");
    if (outcome === "saved") expect(stored?.data.equals(data)).toBe(true);
    else expect(stored).toBeUndefined();
    expect(outcome).toBe("saved");
  });
});

describe("resumable protocol details the client does not exercise", () => {
  async function startSession(name: string): Promise<string> {
    const response = await fetch(
      `${standin.url}/upload/storage/v1/b/${bucketName}/o?uploadType=resumable&name=${name}`,
      {
        method: "POST",
        headers: { "content-type": "application/json", "x-upload-content-type": "text/plain" },
        body: "{}",
      },
    );
    expect(response.status).toBe(200);
    return response.headers.get("location") ?? "";
  }
  const put = (uri: string, contentRange: string, body = "") =>
    fetch(uri, { method: "PUT", headers: { "content-range": contentRange }, body });

  it("a chunk sent twice is stored once; a status query reports the range; the total finishes it", async () => {
    const uri = await startSession("twice.txt");
    expect((await put(uri, "bytes */*")).headers.get("range")).toBeNull();
    expect((await put(uri, "bytes 0-4/*", "hello")).headers.get("range")).toBe("bytes=0-4");
    const again = await put(uri, "bytes 0-4/*", "hello");
    expect([again.status, again.headers.get("range")]).toEqual([308, "bytes=0-4"]);
    const last = await put(uri, "bytes 5-10/11", " world");
    expect(last.status).toBe(200);
    expect(await last.json()).toMatchObject({ name: "twice.txt", size: "11", contentType: "text/plain" });
    expect(standin.object(bucketName, "twice.txt")?.data.toString()).toBe("hello world");
    expect((await put(uri, "bytes */11")).status).toBe(200);
  });

  it("refuses a chunk past the received bytes, a length that disagrees with Content-Range, an unknown session", async () => {
    const uri = await startSession("gap.txt");
    expect((await put(uri, "bytes 5-9/*", "world")).status).toBe(400);
    expect((await put(uri, "bytes 0-9/*", "short")).status).toBe(400);
    expect((await put(uri, "bytes 0-4/3", "hello")).status).toBe(400);
    expect((await put(uri, "nonsense", "x")).status).toBe(400);
    expect(
      (await put(`${standin.url}/upload/storage/v1/b/${bucketName}/o?upload_id=nope`, "bytes */*")).status,
    ).toBe(404);
    expect(standin.object(bucketName, "gap.txt")).toBeUndefined();
  });

  it("uploadType=media stores the body with the request's Content-Type; unimplemented calls answer 501", async () => {
    const response = await fetch(
      `${standin.url}/upload/storage/v1/b/${bucketName}/o?uploadType=media&name=m.txt`,
      {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "media body",
      },
    );
    expect(response.status).toBe(200);
    expect(standin.object(bucketName, "m.txt")).toMatchObject({
      contentType: "text/plain",
      metageneration: 1,
    });
    const patch = await fetch(`${standin.url}/storage/v1/b/${bucketName}/o/m.txt`, {
      method: "PATCH",
      body: "{}",
    });
    expect(patch.status).toBe(501);
    expect(standin.requests.at(-1)).toMatchObject({
      status: 501,
      reason: "notImplemented",
    });
    expect(standin.requests.at(-1)?.operation).toBeUndefined();
  });
});

describe("faults", () => {
  it("every upload failing 503 surfaces as the client's error after its retries", async () => {
    standin.faults.inject({ on: "upload", status: 503, times: 1000 });
    const started = Date.now();
    const error = await rejection(
      storage
        .bucket(bucketName)
        .file("never")
        .save("x", { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }),
    );
    const elapsed = Date.now() - started;
    expect(error.code).toBe(503);
    // 1 attempt + maxRetries (3) retries, each a multipart POST.
    expect(operations()).toEqual(Array(4).fill("upload.multipart 503"));
    expect(elapsed).toBeLessThan(2000);
    expect(standin.object(bucketName, "never")).toBeUndefined();
  });

  it("a resumable save failing 503 on every request gives up too, and says so", {
    timeout: 30_000,
  }, async () => {
    standin.faults.inject({ on: "upload", status: 503, times: 1000 });
    const error = await rejection(
      storage
        .bucket(bucketName)
        .file("never")
        .save("x", { preconditionOpts: { ifGenerationMatch: 0 } }),
    );
    expect(error.code).toBe(503);
    expect(standin.requests.every((r) => r.operation === "upload.resumable-start" && r.status === 503)).toBe(
      true,
    );
    // save() retries its whole upload 3 times, and each upload retries the session POST 3 times.
    expect(standin.requests).toHaveLength(16);
  });

  it("without a precondition the client does not retry a save at all (idempotency strategy RetryConditional)", async () => {
    standin.faults.inject({ on: "upload", status: 503, times: 1000 });
    const error = await rejection(storage.bucket(bucketName).file("never").save("x", { resumable: false }));
    expect(error.code).toBe(503);
    expect(operations()).toEqual(["upload.multipart 503"]);
  });

  // What a writer of "only if absent" evidence must expect when the response to its write is lost.
  it("a multipart save with ifGenerationMatch 0 whose response is lost is retried into 412 — though its bytes are stored", async () => {
    standin.faults.inject({ on: "upload.multipart", status: 503, when: "after" });
    const error = await rejection(
      storage
        .bucket(bucketName)
        .file("lost")
        .save("mine", { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }),
    );
    expect(error.code).toBe(412);
    expect(standin.object(bucketName, "lost")?.data.toString()).toBe("mine");
    expect(operations()).toEqual(["upload.multipart 503", "upload.multipart 412"]);
  });

  it("a resumable save whose last response is lost asks the session and gets its own object: success", async () => {
    standin.faults.inject({ on: "upload.resumable-chunk", status: 503, when: "after" });
    await storage
      .bucket(bucketName)
      .file("lost")
      .save("mine", { preconditionOpts: { ifGenerationMatch: 0 } });
    expect(standin.object(bucketName, "lost")?.data.toString()).toBe("mine");
    expect(operations()).toEqual([
      "upload.resumable-start 200",
      "upload.resumable-chunk 503",
      "upload.resumable-chunk 200",
      "upload.resumable-chunk 200",
    ]);
  });

  it("a fault on one operation leaves the others alone, is retried by the client and used up", async () => {
    standin.seedObject(bucketName, "x", "x");
    standin.faults.inject({ on: "object.get", status: 500, times: 1 });
    await storage.bucket(bucketName).file("x").download();
    expect(standin.faults.pending).toHaveLength(1);
    await storage.bucket(bucketName).file("x").getMetadata();
    expect(standin.faults.pending).toHaveLength(0);
    expect(operations()).toEqual(["object.download 200", "object.get 500", "object.get 200"]);
    expect(standin.requests[1]?.injected).toBe(true);
  });

  // Client 8.4.0: save() without ifGenerationMatch sets storage.retryOptions.autoRetry = false for
  // its one attempt, and only the resumable path puts it back; after a simple upload every later
  // call on that Storage instance is never retried. Riposte's writers use preconditions anyway.
  it("client quirk: a simple save without a precondition turns retries off for the whole Storage instance", async () => {
    await storage.bucket(bucketName).file("x").save("x", { resumable: false });
    standin.faults.inject({ on: "object.get", status: 500, times: 1 });
    const error = await rejection(storage.bucket(bucketName).file("x").getMetadata());
    expect(error.code).toBe(500);
    expect(storage.retryOptions.autoRetry).toBe(false);
  });

  it("refuses faults that are not errors", () => {
    expect(() => standin.faults.inject({ status: 200 })).toThrow(RangeError);
    expect(() => standin.faults.inject({ status: 503, times: 0 })).toThrow(RangeError);
  });
});

describe("STORAGE_EMULATOR_HOST", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("becomes the client's base URL as is (no /storage/v1), and uploads still go to /upload/storage/v1", async () => {
    vi.stubEnv("STORAGE_EMULATOR_HOST", standin.url);
    const client = new Storage({ projectId: "riposte-standin", retryOptions: fastRetries });
    await client.bucket(bucketName).file("env").save("via env", { resumable: false });
    const [data] = await client.bucket(bucketName).file("env").download();
    expect(data.toString()).toBe("via env");
    expect(standin.requests.map((r) => r.path)).toEqual([
      `/upload/storage/v1/b/${bucketName}/o`,
      `/b/${bucketName}/o/env`,
    ]);
  });
});
