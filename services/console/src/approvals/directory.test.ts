// The Cloud Identity directory against the Groups API stand-in, over the wire: lookups and transitive
// membership checks as Google answers them, the token only to Google, and every failure — a 403, a
// 503, an answer that never comes — an ApproverCheckError, never a "yes".
import { type CloudIdentityStandin, startCloudIdentityStandin } from "@riposte/standins";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApproverCheckError, cloudIdentityDirectoryFor, createCloudIdentityDirectory } from "./directory.js";

let standin: CloudIdentityStandin;
beforeAll(async () => {
  standin = await startCloudIdentityStandin();
});
afterAll(() => standin.close());
beforeEach(() => {
  standin.clearFaults();
  standin.setGroup("sre@acme.com", ["alice@acme.com", "oncall@acme.com"]);
  standin.setGroup("oncall@acme.com", ["bob@acme.com"]);
});

const signal = () => AbortSignal.timeout(2_000);
const directory = () =>
  createCloudIdentityDirectory({ baseUrl: standin.url, accessToken: async () => "token-123" });

describe("Cloud Identity directory", () => {
  it("finds direct and nested members, and no one else", async () => {
    const groups = directory();
    expect(await groups.isMember("sre@acme.com", "alice@acme.com", signal())).toBe(true);
    expect(await groups.isMember("sre@acme.com", "bob@acme.com", signal())).toBe(true);
    expect(await groups.isMember("sre@acme.com", "mallory@acme.com", signal())).toBe(false);
    expect(await groups.isMember("oncall@acme.com", "alice@acme.com", signal())).toBe(false);
  });

  it("asks as Google documents it, with the bearer token, and looks a group up once", async () => {
    const groups = directory();
    const before = standin.requests.length;
    await groups.isMember("sre@acme.com", "alice@acme.com", signal());
    await groups.isMember("sre@acme.com", "bob@acme.com", signal());
    const asked = standin.requests.slice(before);
    expect(asked.map((request) => request.method)).toEqual([
      "lookup",
      "checkTransitiveMembership",
      "checkTransitiveMembership",
    ]);
    expect(asked[0]?.query).toEqual({ "groupKey.id": "sre@acme.com" });
    expect(asked[1]?.query).toEqual({ query: "member_key_id == 'alice@acme.com'" });
    expect(asked.every((request) => request.headers.authorization === "Bearer token-123")).toBe(true);
  });

  it("an unknown group has no members", async () => {
    expect(await directory().isMember("nobody@acme.com", "alice@acme.com", signal())).toBe(false);
  });

  it("sends no Google token to anything but Google's API", async () => {
    const before = standin.requests.length;
    await cloudIdentityDirectoryFor(standin.url).isMember("sre@acme.com", "alice@acme.com", signal());
    const asked = standin.requests.slice(before);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((request) => request.headers.authorization === undefined)).toBe(true);
  });

  it("a 403 is an error that says which role is missing, not a 'no'", async () => {
    standin.fail({ on: "lookup", status: 403 });
    const error = await directory()
      .isMember("sre@acme.com", "alice@acme.com", signal())
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApproverCheckError);
    expect((error as Error).message).toMatch(/HTTP 403.*Groups Reader/);
  });

  it("a 503 on the membership check is an error", async () => {
    const groups = directory();
    standin.fail({ on: "checkTransitiveMembership", status: 503 });
    await expect(groups.isMember("sre@acme.com", "alice@acme.com", signal())).rejects.toThrow(
      ApproverCheckError,
    );
  });

  it("an answer that never comes ends with the signal, as a timeout", async () => {
    standin.fail({ on: "checkTransitiveMembership", hang: true });
    const started = Date.now();
    await expect(
      directory().isMember("sre@acme.com", "alice@acme.com", AbortSignal.timeout(300)),
    ).rejects.toThrow(/timed out/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("a token source that hangs ends with the signal too", async () => {
    const groups = createCloudIdentityDirectory({
      baseUrl: standin.url,
      accessToken: () => new Promise(() => undefined),
    });
    await expect(groups.isMember("sre@acme.com", "alice@acme.com", AbortSignal.timeout(300))).rejects.toThrow(
      ApproverCheckError,
    );
  });
});
