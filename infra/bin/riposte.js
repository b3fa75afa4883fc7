#!/usr/bin/env node
// The riposte CLI. Runs the TypeScript sources directly through tsx (no build step in the workspace).
import { register } from "tsx/esm/api";

// A CLI on a laptop or in CI authenticates with gcloud's credentials, never the metadata server:
// don't let every Google client probe it (slow, and a warning per client).
process.env.METADATA_SERVER_DETECTION ??= "none";
register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
