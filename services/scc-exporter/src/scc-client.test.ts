// The SccApi over the real v2 client and the stand-in: errors classified by gRPC code, the source
// check at start-up, and the endpoint options.
import { SecurityCenterClient } from "@google-cloud/security-center/build/src/v2/index.js";
import { status } from "@grpc/grpc-js";
import { createSilentLogger } from "@riposte/service-kit";
import { startSccStandin } from "@riposte/standins";
import { describe, expect, it } from "vitest";
import { createSccApi, SccError, securityCenterClientOptions } from "./scc-client.js";
import { parseSccSourceName } from "./scc-names.js";
import { useSccStandin } from "./testing/fixture.js";
import { SourceNotUsableError, verifySource } from "./verify-source.js";

const { standin, scc } = await useSccStandin();

async function failure(promise: Promise<unknown>): Promise<SccError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SccError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("SccError", () => {
  it.each([
    [status.UNAVAILABLE, "UNAVAILABLE", true],
    [status.DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED", true],
    [status.RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED", true],
    [status.INTERNAL, "INTERNAL", true],
    [status.INVALID_ARGUMENT, "INVALID_ARGUMENT", false],
    [status.PERMISSION_DENIED, "PERMISSION_DENIED", false],
    [status.NOT_FOUND, "NOT_FOUND", false],
    [status.UNAUTHENTICATED, "UNAUTHENTICATED", false],
  ])("code %i (%s) from the server → transient %s", async (code, codeName, transient) => {
    standin.faults.inject({ method: "GetSource", code, details: "scripted" });
    const error = await failure(scc.getSource("organizations/1/sources/1"));
    expect(error).toMatchObject({ code, codeName, transient, method: "GetSource" });
    expect(error.message).toBe(`SCC GetSource failed: ${code} ${codeName}: scripted`);
  });

  it("a closed port is UNAVAILABLE (transient); an error without code is transient too", async () => {
    const nowhere = await startSccStandin();
    const address = nowhere.address;
    await nowhere.close();
    const dead = createSccApi({ endpoint: address, timeoutMs: 2_000 });
    const error = await failure(dead.getSource("organizations/1/sources/1"));
    expect(error).toMatchObject({ codeName: "UNAVAILABLE", transient: true });
    await dead.close();
    expect(new SccError("X", new Error("Could not load the default credentials"))).toMatchObject({
      code: undefined,
      codeName: "NO_CODE",
      transient: true,
    });
  });
});

describe("a client that cannot get credentials", () => {
  it("fails each call with an SccError (transient) and leaves no unhandled rejection behind", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    // What a machine without Application Default Credentials looks like to the client.
    const noCredentials = {
      getClient: () => Promise.reject(new Error("Could not load the default credentials")),
      getUniverseDomain: () => Promise.resolve("googleapis.com"),
    };
    const client = new SecurityCenterClient({
      apiEndpoint: standin.host,
      port: standin.port,
      auth: noCredentials as unknown as NonNullable<
        ConstructorParameters<typeof SecurityCenterClient>[0]
      >["auth"],
    });
    const broken = createSccApi({ client });
    try {
      for (let i = 0; i < 2; i++) {
        const error = await failure(broken.getSource("organizations/1/sources/1"));
        expect(error).toMatchObject({ codeName: "NO_CODE", transient: true });
        expect(error.message).toContain("Could not load the default credentials");
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      expect(standin.calls).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      await broken.close();
    }
  });
});

describe("verifySource", () => {
  const logger = createSilentLogger();

  it("passes for an existing source", async () => {
    const source = parseSccSourceName(
      standin.seedSource({ organization: "42", displayName: "Riposte" }).name,
    );
    if (!source) throw new Error("fixture");
    await expect(verifySource(scc, source, logger)).resolves.toBeUndefined();
  });

  it("a missing source stops start-up with what to do", async () => {
    const source = parseSccSourceName("organizations/42/sources/999");
    if (!source) throw new Error("fixture");
    const error = await verifySource(scc, source, logger).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceNotUsableError);
    expect((error as Error).message).toMatch(
      /^SCC_SOURCE_NAME organizations\/42\/sources\/999 cannot be used: SCC GetSource failed: 5 NOT_FOUND: .*riposte scc setup --organization 42/,
    );
  });

  it("an SCC outage does not stop start-up", async () => {
    const source = parseSccSourceName("organizations/42/sources/999");
    if (!source) throw new Error("fixture");
    standin.faults.inject({ method: "GetSource", code: status.UNAVAILABLE });
    await expect(verifySource(scc, source, logger)).resolves.toBeUndefined();
  });
});

describe("securityCenterClientOptions", () => {
  it("plaintext to host:port without Google credentials; nothing for the real API", () => {
    expect(securityCenterClientOptions("127.0.0.1:50551")).toMatchObject({
      apiEndpoint: "127.0.0.1",
      port: 50551,
      universeDomain: "googleapis.com",
    });
    expect(securityCenterClientOptions("[::1]:50551")).toMatchObject({ apiEndpoint: "::1", port: 50551 });
    expect(securityCenterClientOptions(undefined)).toEqual({});
    expect(() => securityCenterClientOptions("localhost")).toThrow(/not host:port/);
  });
});
