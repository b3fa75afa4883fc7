// What `gcloud run deploy <service> --source services/<service>` uploads and builds: the same
// Dockerfile and .gcloudignore in every service folder. Written here once; every service's copy (and
// the generator's template) is checked against these by container.test.ts.
//
// Why the bundle is built before the upload rather than inside the Dockerfile: `--source` uploads only
// the service's folder, while the service is built from the whole workspace (packages/, the lockfile).
// A Dockerfile in the folder cannot reach them, so the folder carries its built bundle instead, and
// the image is the bundle on distroless Node 24, nothing else.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE_ENTRY, IMAGE_USER_ID } from "./bundle.js";

/** The runtime image: Node 24, no shell or package manager, uid 65532 (the `nonroot` tag). */
export const RUNTIME_IMAGE = "gcr.io/distroless/nodejs24-debian12:nonroot";

export const DOCKERFILE = `# The service's standalone bundle on distroless Node 24, as a non-root user.
# dist/ is built before deploying (npm run build, see the README's "Deploy to Google Cloud"):
# \`gcloud run deploy --source services/<name>\` uploads this folder only, which cannot build on its own.
FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY dist/ ./
ENV NODE_ENV=production
USER ${IMAGE_USER_ID}:${IMAGE_USER_ID}
# The image's entrypoint is node; exec form keeps node as PID 1, so it receives Cloud Run's SIGTERM.
CMD ["${BUNDLE_ENTRY}"]
`;

export const GCLOUDIGNORE = `# gcloud run deploy --source uploads this folder: only what the image is made of.
*
!Dockerfile
!dist/
!dist/**
`;

export interface ContainerFile {
  name: "Dockerfile" | ".gcloudignore";
  content: string;
}

export const CONTAINER_FILES: readonly ContainerFile[] = [
  { name: "Dockerfile", content: DOCKERFILE },
  { name: ".gcloudignore", content: GCLOUDIGNORE },
];

/** The container files of `serviceDir` that are missing or differ from the template. */
export function staleContainerFiles(serviceDir: string): ContainerFile[] {
  return CONTAINER_FILES.filter((file) => {
    const path = join(serviceDir, file.name);
    return !existsSync(path) || readFileSync(path, "utf8") !== file.content;
  });
}

export function writeContainerFiles(serviceDir: string): void {
  for (const file of CONTAINER_FILES) writeFileSync(join(serviceDir, file.name), file.content);
}
