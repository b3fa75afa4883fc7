// `riposte dev`'s Cloud Storage stand-in: the services (capture) write evidence bundles to its bucket
// with the real client, given the URL as STORAGE_EMULATOR_HOST takes it; stopping it frees the port.
import { Storage } from "@google-cloud/storage";
import { describe, expect, it } from "vitest";
import { isListening } from "../cli/reachable.js";
import { DEV_EVIDENCE_BUCKET, startDevStorage } from "./storage.js";

describe("riposte dev's Cloud Storage stand-in", () => {
  it("serves the evidence bucket to the real client at the URL it reports, and stops", async () => {
    const said: string[] = [];
    const storage = await startDevStorage((line) => said.push(line));
    try {
      expect(storage.bucket).toBe(DEV_EVIDENCE_BUCKET);
      expect(storage.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client = new Storage({ apiEndpoint: storage.url, projectId: "riposte-local" });
      const file = client.bucket(storage.bucket).file("prod/shop/web-1/x/pod.json");
      await file.save("{}", { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
      expect((await file.download())[0].toString()).toBe("{}");
      expect(said).toEqual([`Cloud Storage stand-in on ${storage.url}, bucket ${DEV_EVIDENCE_BUCKET}`]);
    } finally {
      await storage.close();
    }
    expect(await isListening("127.0.0.1", Number(new URL(storage.url).port))).toBe(false);
  });
});
