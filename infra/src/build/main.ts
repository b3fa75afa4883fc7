// Entry of each service's `build` script: `node --import tsx ../../infra/src/build/main.ts`.
import { runBuildCli } from "./cli.js";

process.exitCode = await runBuildCli(process.argv.slice(2), {
  cwd: process.cwd(),
  log: (line) => console.log(line),
  error: (line) => console.error(line),
});
