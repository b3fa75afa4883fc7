// The verifier alone, against assertions minted as IAP mints them (the IAP stand-in's helpers) and every
// hostile one: forged algorithms, keys and signatures, wrong claims, hostile strings.
import type { KeyObject } from "node:crypto";
import {
  generateIapKey,
  HOSTILE_IAP_KINDS,
  type HostileIapKind,
  hostileIapAssertions,
  iapPayload,
  signIapAssertion,
} from "@riposte/standins";
import { describe, expect, it } from "vitest";
import { IapAssertionError, verifyIapAssertion } from "./verify.js";

const AUDIENCE = "/projects/123456789012/global/backendServices/4242424242424242424";
const NOW = Date.parse("2026-03-01T12:00:00Z");
const NOW_S = NOW / 1000;
const key = generateIapKey("key-1");
const next = generateIapKey("key-2");
const lookups: string[] = [];
const keys = new Map<string, KeyObject>([
  [key.kid, key.publicKey],
  [next.kid, next.publicKey],
]);
const options = {
  audience: AUDIENCE,
  now: NOW,
  keyFor: async (kid: string) => {
    lookups.push(kid);
    return keys.get(kid);
  },
};

const mint = (claims: Parameters<typeof iapPayload>[0], signer = key) =>
  signIapAssertion(signer, iapPayload({ aud: AUDIENCE, ...claims }, NOW));

async function refusal(token: string | undefined): Promise<string> {
  const error = await verifyIapAssertion(token, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IapAssertionError);
  return (error as Error).message;
}

/** What each hostile kind must be refused for: its own reason, not a lucky other one. */
const EXPECTED: Record<HostileIapKind, RegExp> = {
  "alg-none": /algorithm "none" is refused/,
  "hs256-public-key": /algorithm "HS256" is refused/,
  "unknown-kid": /key id "no-such-kid" is not in IAP's key set/,
  "forged-known-kid": /signature does not verify/,
  "der-signature": /not an ES256 signature \(64 bytes/,
  expired: /expired at/,
  "issued-in-future": /issued in the future/,
  "too-long-lived": /lives 86400 s, longer than IAP's 660 s/,
  "wrong-aud": /for audience "\/projects\/999999999999\/apps\/someone-else", not this console's/,
  "wrong-iss": /issuer "https:\/\/accounts.google.com" is not https:\/\/cloud.google.com\/iap/,
  "no-email": /no usable email claim/,
  "no-exp": /no numeric exp claim/,
  "tampered-payload": /signature does not verify/,
};

describe("verifyIapAssertion", () => {
  it("accepts IAP's assertion, from either published key, as user:EMAIL normalised", async () => {
    expect(await verifyIapAssertion(mint({ email: "Alice@ACME.com" }), options)).toEqual({
      identity: "user:alice@acme.com",
      email: "alice@acme.com",
      sub: "accounts.google.com:104857600000000000001",
    });
    expect((await verifyIapAssertion(mint({}, next), options)).identity).toBe("user:alice@acme.com");
  });

  it.each(HOSTILE_IAP_KINDS)("refuses the hostile assertion %s, for its own reason", async (kind) => {
    const token = hostileIapAssertions(key, { aud: AUDIENCE }, NOW)[kind];
    expect(await refusal(token)).toMatch(EXPECTED[kind]);
  });

  it("refuses every algorithm but ES256 before looking up any key", async () => {
    lookups.length = 0;
    for (const alg of ["RS256", "PS256", "ES384", "ES512", "EdDSA", "es256", "ES256 ", "NONE", 256, null]) {
      const token = signIapAssertion(key, iapPayload({ aud: AUDIENCE }, NOW), { header: { alg } });
      expect(await refusal(token)).toMatch(/algorithm .* is refused: IAP signs with ES256 only/);
    }
    expect(lookups).toEqual([]);
  });

  it("allows 30 s of clock skew on exp and iat, and not 31", async () => {
    await expect(
      verifyIapAssertion(mint({ iat: NOW_S - 629, exp: NOW_S - 29 }), options),
    ).resolves.toBeTruthy();
    expect(await refusal(mint({ iat: NOW_S - 631, exp: NOW_S - 31 }))).toMatch(/expired/);
    await expect(verifyIapAssertion(mint({ iat: NOW_S + 29 }), options)).resolves.toBeTruthy();
    expect(await refusal(mint({ iat: NOW_S + 31 }))).toMatch(/issued in the future/);
  });

  it("takes the audience exactly: another project's, a list, or a near match is refused", async () => {
    for (const aud of [
      "/projects/123456789012/apps/riposte",
      `${AUDIENCE}/`,
      ` ${AUDIENCE}`,
      AUDIENCE.toUpperCase(),
      "/projects/123456789012/global/backendServices/4242424242424242425",
    ])
      expect(await refusal(mint({ aud }))).toMatch(/not this console's/);
    const listed = signIapAssertion(key, { ...iapPayload({}, NOW), aud: [AUDIENCE, "other"] });
    expect(await refusal(listed)).toMatch(/not this console's/);
  });

  it("refuses no header, garbage and oversized tokens without parsing them", async () => {
    expect(await refusal(undefined)).toMatch(/no x-goog-iap-jwt-assertion header/);
    expect(await refusal("  ")).toMatch(/no x-goog-iap-jwt-assertion header/);
    for (const bad of ["a.b", "a.b.c.d", "<script>.x.y", "a\nb.c.d", "é.b.c"])
      expect(await refusal(bad)).toMatch(/not a signed JWT|not an ES256 signature/);
    expect(await refusal(`${"a".repeat(10_000)}.b.c`)).toMatch(/longer than 8192 characters/);
  });

  it("refuses emails that are not plain addresses (markup, newlines, look-alike letters, 1 KB)", async () => {
    for (const email of [
      "<script>alert(1)</script>@acme.com",
      "alice@acme.com\nuser:root@acme.com",
      "аlice@acme.com", // Cyrillic а
      `${"a".repeat(1_000)}@acme.com`,
      42,
    ])
      expect(await refusal(mint({ extra: { email } }))).toMatch(/no usable email claim/);
  });

  it("is not led astray by __proto__ in the header or the claims", async () => {
    const payload = JSON.parse(
      `{"aud":${JSON.stringify(AUDIENCE)},"iss":"https://cloud.google.com/iap","iat":${NOW_S},"exp":${NOW_S + 600},"__proto__":{"email":"mallory@acme.com","isAdmin":true}}`,
    );
    expect(await refusal(signIapAssertion(key, payload))).toMatch(/no usable email claim/);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    const protoKid = signIapAssertion(
      { kid: "__proto__", privateKey: key.privateKey },
      iapPayload({ aud: AUDIENCE }, NOW),
    );
    expect(await refusal(protoKid)).toMatch(/key id "__proto__" is not in IAP's key set/);
    const critical = signIapAssertion(key, iapPayload({ aud: AUDIENCE }, NOW), { header: { crit: ["exp"] } });
    expect(await refusal(critical)).toMatch(/critical extensions/);
  });
});
