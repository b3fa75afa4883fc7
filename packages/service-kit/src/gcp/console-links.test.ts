// Console links from what the ledger stores (a finding's name, an evidence location): built only when
// the stored text has exactly the expected form, so no stored string chooses where a link points.
import { describe, expect, it } from "vitest";
import { findingConsoleUrlOfName, isFindingConsoleUrl } from "./scc.js";
import { isStorageConsoleUrl, storageConsoleUrl } from "./storage.js";

const KEY = "0123456789abcdef0123456789abcdef";

describe("finding links by name", () => {
  it("link a finding under its organization, with or without a location", () => {
    for (const name of [
      `organizations/123/sources/456/findings/${KEY}`,
      `organizations/123/sources/456/locations/global/findings/${KEY}`,
    ]) {
      const url = findingConsoleUrlOfName(name) ?? "";
      expect(isFindingConsoleUrl(url)).toBe(true);
      expect(new URL(url).searchParams.get("organizationId")).toBe("123");
      expect(new URL(url).searchParams.get("resourceId")).toBe(name);
    }
  });

  it("make no link from any other text", () => {
    for (const name of [
      `projects/p/sources/456/findings/${KEY}`,
      `organizations/123/sources/456/findings/${KEY}&x=1`,
      `organizations/123/sources/456/findings/${KEY}\n`,
      `javascript:alert(1)//organizations/123/sources/456/findings/${KEY}`,
      "organizations/123/sources/456/findings/../../x",
      "",
    ])
      expect(findingConsoleUrlOfName(name)).toBeUndefined();
  });
});

describe("storage links", () => {
  it("link an evidence prefix to the Cloud Storage browser", () => {
    const url = storageConsoleUrl(`gs://acme-evidence/prod/shop/web-1/${KEY}/`);
    expect(url).toBe(
      `https://console.cloud.google.com/storage/browser/acme-evidence/prod/shop/web-1/${KEY}/`,
    );
    expect(isStorageConsoleUrl(url ?? "")).toBe(true);
  });

  it("make no link from anything else", () => {
    for (const location of [
      "gs://acme-evidence/../other/",
      "gs://acme-evidence/a/./b/",
      "gs://Acme/x/",
      "gs://acme-evidence/a b/",
      "gs://acme-evidence/x?y=1/",
      "https://evil.example/",
      "javascript:alert(1)",
      "gs://acme-evidence/x",
    ])
      expect(storageConsoleUrl(location)).toBeUndefined();
  });
});
