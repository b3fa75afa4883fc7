// A service's description is its descriptor's (for an actioner, its action's): the one the deploy
// plan gives its service account. Its package.json says the same words, or two texts drift apart
// (router, notifier and scc-exporter once said three other things there).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadServices } from "./services.js";

const services = await loadServices();

it("finds the services", () => {
  expect(services.length).toBeGreaterThan(0);
});

describe.each(services.map(({ descriptor, dir }) => ({ name: descriptor.name, descriptor, dir })))(
  "$name",
  ({ descriptor, dir }) => {
    it("has its descriptor's description in package.json", () => {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        description?: unknown;
      };
      expect(manifest.description).toBe(descriptor.description);
    });
  },
);
