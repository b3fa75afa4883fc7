// 1. Router core, in process: what the router does with one push before any I/O — decode the envelope,
// validate and normalise the alert, match 50 playbooks, build and encode the commands — against the
// floor of decoding the same envelope and JSON.parse + JSON.stringify of the same 1.1 KB alert.
import { DEFAULT_CLUSTER_FIELD, messageAttributes, parseFalcoAlert } from "@riposte/falco-event";
import { buildCommands, decide, parsePlaybooks } from "@riposte/router";
import { parsePushEnvelope } from "@riposte/service-kit";
import { alertVariants, pushBody } from "../alerts.js";
import { fiftyPlaybooksYaml } from "../playbooks.js";
import type { SuiteResult } from "../report.js";
import { formatPercent, formatRate, median, pairedRatio } from "../stats.js";

export interface RouterCoreOptions {
  rounds: number;
  roundMs: number;
  warmupMs: number;
}

const POOL = 1024;

/** Runs `work` over the pool for `ms` and returns events per second. */
function rate(work: (body: Buffer) => number, bodies: readonly Buffer[], ms: number): number {
  let done = 0;
  let sink = 0;
  const started = performance.now();
  let now = started;
  while (now - started < ms) {
    for (let i = 0; i < 64; i++) sink += work(bodies[(done + i) % bodies.length] as Buffer);
    done += 64;
    now = performance.now();
  }
  if (sink < 0) throw new Error("unreachable: keeps the work from being optimised away");
  return (done / (now - started)) * 1000;
}

export function runRouterCore(options: RouterCoreOptions): SuiteResult {
  const variants = alertVariants();
  const bodies = Array.from({ length: POOL }, (_, index) => pushBody(variants.json(index)));
  const playbooks = parsePlaybooks(fiftyPlaybooksYaml(), "bench playbooks");
  const issuedAt = new Date();

  const floor = (body: Buffer): number => {
    const envelope = parsePushEnvelope(body);
    if (!envelope.ok) throw new Error(`floor: ${envelope.error.message}`);
    const alert: unknown = JSON.parse(Buffer.from(envelope.value.message.data).toString("utf8"));
    return JSON.stringify(alert).length;
  };
  let commandsPerAlert = 0;
  const router = (body: Buffer): number => {
    const envelope = parsePushEnvelope(body);
    if (!envelope.ok) throw new Error(`router: ${envelope.error.message}`);
    const parsed = parseFalcoAlert(envelope.value.message.data, { clusterField: DEFAULT_CLUSTER_FIELD });
    if (!parsed.ok) throw new Error(`router: ${parsed.error.path}: ${parsed.error.message}`);
    const decision = decide(parsed.alert, playbooks);
    const commands = buildCommands(parsed.alert, decision, issuedAt);
    commandsPerAlert = commands.length;
    let bytes = 0;
    for (const { command } of commands) {
      bytes += JSON.stringify(command).length + Object.keys(messageAttributes(command)).length;
    }
    return bytes;
  };

  rate(floor, bodies, options.warmupMs);
  rate(router, bodies, options.warmupMs);
  const floorRates: number[] = [];
  const routerRates: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    // Alternate which goes first so neither always runs right after a garbage collection of the other.
    if (round % 2 === 0) {
      floorRates.push(rate(floor, bodies, options.roundMs));
      routerRates.push(rate(router, bodies, options.roundMs));
    } else {
      routerRates.push(rate(router, bodies, options.roundMs));
      floorRates.push(rate(floor, bodies, options.roundMs));
    }
  }
  const ratio = pairedRatio(routerRates, floorRates);
  const sample = parseFalcoAlert(variants.json(0));
  if (!sample.ok) throw new Error(`benchmark alert: ${sample.error.path}: ${sample.error.message}`);
  const { matched } = decide(sample.alert, playbooks);
  return {
    id: "1",
    title: "Router core, in process",
    ratios: [
      {
        measure:
          "router core (decode, validate, normalise, 50 playbooks, encode) vs decode + JSON.parse/stringify",
        ratio,
        shown: `${formatPercent(ratio)} of the floor's events/s`,
        goal: "≥ 50 %",
        met: ratio >= 0.5,
      },
    ],
    raw: [
      {
        headers: ["path", "events/s (median of rounds)", "rounds"],
        rows: [
          [
            "floor: decode envelope + JSON.parse + JSON.stringify",
            formatRate(median(floorRates)),
            String(options.rounds),
          ],
          ["router core", formatRate(median(routerRates)), String(options.rounds)],
        ],
      },
    ],
    notes: [
      `alert ${variants.exampleBytes} bytes (examples/sidekick-critical-drop-exec.json, a fresh time per event); ` +
        `${playbooks.length} playbooks, ${matched.length} match (${matched.join(", ")}); ${commandsPerAlert} commands encoded per alert`,
      `${options.rounds} rounds of ${options.roundMs} ms each side, alternating; ratio = median of per-round ratios`,
    ],
  };
}
