// Every service folder carries the one Dockerfile and .gcloudignore, and gcloud's own upload logic
// (`gcloud meta list-files-for-upload`, what `gcloud run deploy --source` sends to Cloud Build) takes
// the Dockerfile and the bundle from it — nothing else, and not less.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadServices, repoRoot } from "../services.js";
import { BUNDLE_ENTRY, BUNDLE_TARGET } from "./bundle.js";
import { DOCKERFILE, RUNTIME_IMAGE, staleContainerFiles } from "./container.js";

const services = await loadServices();

describe("container files", () => {
  it.each(services.map((service) => [service.descriptor.name, service.dir] as const))(
    "services/%s has the shared Dockerfile and .gcloudignore",
    (_name, dir) => {
      expect(staleContainerFiles(dir).map((file) => file.name)).toEqual([]);
    },
  );

  it("runs the bundle with node on distroless Node 24 as a non-root user", () => {
    expect(RUNTIME_IMAGE).toMatch(/^gcr\.io\/distroless\/nodejs24-debian12:nonroot$/);
    expect(DOCKERFILE).toContain(`CMD ["${BUNDLE_ENTRY}"]`);
    expect(DOCKERFILE).toMatch(/^USER 65532:65532$/m);
    expect(DOCKERFILE).toMatch(/^COPY dist\/ \.\/$/m);
    // Exactly one stage, and nothing that installs or builds inside the image.
    expect(DOCKERFILE.match(/^FROM /gm)).toHaveLength(1);
    expect(DOCKERFILE).not.toMatch(/^RUN /m);
  });

  it("runs the Node the project pins, and the bundle is compiled for it", () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    };
    const pinnedMajor = manifest.devDependencies.node?.split(".")[0];
    expect(RUNTIME_IMAGE).toContain(`/nodejs${pinnedMajor}-`);
    expect(BUNDLE_TARGET).toBe(`node${pinnedMajor}`);
  });

  it("uploads the Dockerfile and dist/ only (gcloud's own file selection)", () => {
    const router = services.find((service) => service.descriptor.name === "router");
    if (!router) throw new Error("router not found");
    const dir = mkdtempSync(join(tmpdir(), "riposte-upload-"));
    const config = mkdtempSync(join(tmpdir(), "riposte-gcloud-"));
    try {
      cpSync(router.dir, dir, {
        recursive: true,
        filter: (source) => !source.includes(`${router.dir}/dist`),
      });
      mkdirSync(join(dir, "dist", "node_modules", "@grpc", "grpc-js"), { recursive: true });
      writeFileSync(join(dir, "dist", BUNDLE_ENTRY), "// bundle\n");
      writeFileSync(join(dir, "dist", "node_modules", "@grpc", "grpc-js", "package.json"), "{}\n");
      const listed = execFileSync("gcloud", ["meta", "list-files-for-upload", dir], {
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "", CLOUDSDK_CONFIG: config, CLOUDSDK_CORE_DISABLE_PROMPTS: "1" },
      })
        .split("\n")
        .filter(Boolean)
        .sort();
      expect(listed).toEqual([
        "Dockerfile",
        `dist/${BUNDLE_ENTRY}`,
        "dist/node_modules/@grpc/grpc-js/package.json",
      ]);
      expect(readFileSync(join(dir, "package.json"), "utf8")).toContain("@riposte/router"); // it was there
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(config, { recursive: true, force: true });
    }
  }, 60_000);
});
