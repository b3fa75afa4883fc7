// `npm run test:chaos`: the chaos run at scale (10,000 alerts by default), outside vitest. Uses the
// emulators PUBSUB_EMULATOR_HOST and FIRESTORE_EMULATOR_HOST name, or starts them. Prints the table; exits 1 when a pair is
// unaccounted, more than 1 % of an action's commands dead-lettered, a destructive action happened
// twice, or anything else problemsOf (verdict.ts) rejects.
import { appendFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startPubSubEmulator } from "@riposte/service-kit/testing";
import { useFirestoreEmulator } from "@riposte/service-kit/testing/firestore-emulator";
import { readChaosEnv, skipMetadataServer } from "./config.js";
import { formatChaosReport, runChaos } from "./run.js";
import { problemsOf } from "./verdict.js";

const usage =
  "usage: node --import tsx test/chaos/main.ts [--alerts N] [--rate PER_SECOND] [--seed N] [--verbose] [--log-level info] [--dump FILE.json]";

const { values } = parseArgs({
  options: {
    alerts: { type: "string", default: "10000" },
    rate: { type: "string", default: "40" },
    seed: { type: "string" },
    verbose: { type: "boolean", default: false },
    "log-level": { type: "string" },
    dump: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const alerts = Number(values.alerts);
const rate = Number(values.rate);
if (!Number.isInteger(alerts) || alerts < 1 || !(rate > 0)) {
  console.error(
    `--alerts must be a positive integer and --rate a positive number (got ${values.alerts}, ${values.rate})\n${usage}`,
  );
  process.exit(2);
}

skipMetadataServer();
const { PUBSUB_EMULATOR_HOST, CHAOS_EMULATOR_LOG } = readChaosEnv();
const emulator = PUBSUB_EMULATOR_HOST
  ? undefined
  : await startPubSubEmulator(
      CHAOS_EMULATOR_LOG ? { onOutput: (line) => appendFileSync(CHAOS_EMULATOR_LOG, `${line}\n`) } : {},
    );
const emulatorHost = PUBSUB_EMULATOR_HOST ?? (emulator?.host as string);
// The incident ledger: the actioners and the notifier answer 503 without it.
const firestore = await useFirestoreEmulator({}, readChaosEnv().environment);
let exitCode = 1;
try {
  const report = await runChaos({
    emulatorHost,
    firestoreEmulatorHost: firestore.host,
    alerts,
    ratePerSecond: rate,
    ...(values.seed ? { seed: Number(values.seed) } : {}),
    verbose: values.verbose,
    ...(values["log-level"] ? { logLevel: values["log-level"] } : {}),
    log: (line) => console.log(line),
  });
  console.log(`\n${formatChaosReport(report)}\n`);
  if (values.dump) {
    writeFileSync(values.dump, JSON.stringify({ ...report, ledger: { ...report.ledger } }, null, 1));
    console.log(`chaos: report with every pair written to ${values.dump}`);
  }
  const problems = problemsOf(report);
  if (problems.length === 0) {
    console.log("chaos: nothing lost, nothing doubled");
    exitCode = 0;
  } else {
    console.error(`chaos: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
} finally {
  await Promise.allSettled([emulator?.stop(), firestore.stop()]);
}
process.exit(exitCode);
