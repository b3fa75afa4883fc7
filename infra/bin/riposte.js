#!/usr/bin/env node
// The riposte CLI. Runs the TypeScript sources directly through tsx (no build step in the workspace).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
