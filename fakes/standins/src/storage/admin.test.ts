// The storage stand-in's admin API: another process (an e2e test of `npm start`) scripts Cloud
// Storage failures over HTTP; what it sends is checked, and the admin requests are never faulted.
import { Storage } from "@google-cloud/storage";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  STORAGE_ADMIN_PREFIX,
  type StorageStandin,
  startStorageStandin,
  storageClientOptionsFor,
} from "./standin.js";

let standin: StorageStandin;
beforeAll(async () => {
  standin = await startStorageStandin();
});
afterAll(() => standin.close());
beforeEach(() => {
  standin.reset();
  standin.seedBucket("evidence");
});

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${standin.url}${STORAGE_ADMIN_PREFIX}${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });

describe("the storage stand-in's admin API", () => {
  it("POST faults: the next uploads fail as scripted; DELETE faults clears them", async () => {
    expect((await admin("POST", "faults", { on: "upload", status: 503, times: 5 })).status).toBe(204);
    const storage = new Storage({
      ...storageClientOptionsFor(standin),
      retryOptions: { autoRetry: false },
    });
    const file = storage.bucket("evidence").file("a");
    await expect(file.save("x", { resumable: false })).rejects.toMatchObject({ code: 503 });
    expect((await admin("DELETE", "faults")).status).toBe(204);
    await file.save("x", { resumable: false });
    expect(standin.object("evidence", "a")).toBeDefined();
    // Admin requests are not Cloud Storage requests.
    expect(standin.requests.every((request) => !request.path.startsWith(STORAGE_ADMIN_PREFIX))).toBe(true);
  });

  it.each([
    ["not json", "the body is not JSON"],
    [{ on: "uploads", status: 503 }, "on: unknown operation uploads"],
    [{ status: 200 }, "status: expected an HTTP error status (400–599)"],
    [{ on: "upload" }, "status: required unless dropConnection"],
    [{ status: 503, times: 0 }, "times: expected an integer from 1 to 1000000"],
    [{ status: 503, when: "later" }, "when: expected before or after"],
    [{ status: 503, extra: 1 }, "unknown field extra"],
  ])("refuses %j with 400 and why", async (body, error) => {
    const response = await admin("POST", "faults", body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error });
    expect(standin.faults.pending).toEqual([]);
  });
});
