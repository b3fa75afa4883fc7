// 1. Router core, in process: what the router does with one push before any I/O — decode the envelope,
// validate and normalise the alert, match 50 playbooks, build and encode the commands — against the
// floor of decoding the same envelope and JSON.parse + JSON.stringify of the same 1.1 KB alert.
import {
  DEFAULT_CLUSTER_FIELD,
  messageAttributes,
  parseFalcoAlert,
  parseJsonLossless,
} from "@riposte/contracts";
import { buildCommands, decide, parsePlaybooks } from "@riposte/router";
import { parsePushEnvelope } from "@riposte/service-kit";
import { alertVariants, pushBody } from "../alerts.js";
import { fiftyPlaybooksYaml } from "../playbooks.js";
import type { SuiteResult } from "../report.js";
import { formatPercent, formatRate, formatRatio, median, pairedRatio } from "../stats.js";

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

/** The engine's lossless parse (Node ≥ 22): integer literals past 2^53 become bigint from their source text. */
const losslessReviver = (_key: string, value: unknown, context?: { source?: string }) =>
  typeof value === "number" &&
  !Number.isSafeInteger(value) &&
  context?.source &&
  /^-?\d+$/.test(context.source)
    ? BigInt(context.source)
    : value;

/** Median events/s of `a` and `b` over alternating rounds, and the median of their per-round ratios. */
function compare(
  a: (body: Buffer) => number,
  b: (body: Buffer) => number,
  inputs: readonly Buffer[],
  options: RouterCoreOptions,
): { a: number; b: number; ratio: number } {
  rate(a, inputs, options.warmupMs / 2);
  rate(b, inputs, options.warmupMs / 2);
  const aRates: number[] = [];
  const bRates: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const first = round % 2 === 0 ? [a, aRates, b, bRates] : [b, bRates, a, aRates];
    (first[1] as number[]).push(rate(first[0] as typeof a, inputs, options.roundMs / 2));
    (first[3] as number[]).push(rate(first[2] as typeof a, inputs, options.roundMs / 2));
  }
  return { a: median(aRates), b: median(bRates), ratio: pairedRatio(aRates, bRates) };
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

  // Experiments with what Node 24's JSON offers. The alerts' text, with a 19-digit evt.time as Falco sends it.
  const alertTexts = Array.from({ length: 64 }, (_, index) => Buffer.from(variants.json(index)));
  const parsing = compare(
    (text) => (parseJsonLossless(text.toString("utf8")).ok ? 1 : 0),
    (text) => (JSON.parse(text.toString("utf8"), losslessReviver as never) ? 1 : 0),
    alertTexts,
    options,
  );
  const perAlert = (eventsPerSecond: number) => `${(1e6 / eventsPerSecond).toFixed(1)} µs`;
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
      {
        measure:
          "lossless parse of the alert: the hand-written parser vs JSON.parse with a context.source reviver (bigint evt.time)",
        ratio: parsing.ratio,
        shown: `${formatRatio(parsing.ratio)} the engine's speed`,
        goal: "",
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
          [
            `lossless parse, hand-written (${perAlert(parsing.a)} per alert)`,
            formatRate(parsing.a),
            String(options.rounds),
          ],
          [
            `lossless parse, JSON.parse + context.source reviver (${perAlert(parsing.b)})`,
            formatRate(parsing.b),
            String(options.rounds),
          ],
        ],
      },
    ],
    notes: [
      `alert ${variants.exampleBytes} bytes (examples/sidekick-critical-drop-exec.json, a fresh time per event); ` +
        `${playbooks.length} playbooks, ${matched.length} match (${matched.join(", ")}); ${commandsPerAlert} commands encoded per alert`,
      `${options.rounds} rounds of ${options.roundMs} ms each side, alternating; ratio = median of per-round ratios`,
      "the parse experiment: the same alerts' text (each with Falco's 19-digit evt.time), half-length rounds; " +
        "JSON.rawJSON could not be tried for encoding the alert summary once: it accepts primitive JSON text only " +
        "(JSON.rawJSON('{\"a\":1}') throws a SyntaxError), so a pre-encoded object cannot be embedded",
    ],
  };
}
