// The few statistics the benchmark reports: percentiles of samples and ratios of paired rounds. Every
// judged figure is a ratio against a floor measured in the same run, taken round by round (A B A B …)
// so that a machine getting slower or faster during the run moves both sides of each pair alike.

/** The q-quantile (0…1) of `values` by linear interpolation between closest ranks (R's type 7). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError("quantile of no values");
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile q must be within 0…1, got ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] as number;
  const high = sorted[above] as number;
  return low + (high - low) * (position - below);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    min: Math.min(...values),
    p50: quantile(values, 0.5),
    p95: quantile(values, 0.95),
    p99: quantile(values, 0.99),
    max: Math.max(...values),
  };
}

/**
 * The median of the per-round ratios a[i] / b[i]. Rounds were run in turn, so each pair saw the same
 * machine; the median keeps one disturbed round from moving the result.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) {
    throw new RangeError(
      `paired ratio needs two equally long, non-empty series; got ${a.length} and ${b.length}`,
    );
  }
  return median(a.map((value, index) => value / (b[index] as number)));
}

/** `1.23×` */
export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : "–";
}

/** `87 %` */
export function formatPercent(ratio: number): string {
  return Number.isFinite(ratio) ? `${Math.round(ratio * 100)} %` : "–";
}

/** Milliseconds with a precision that suits their size. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  if (ms >= 100) return `${Math.round(ms)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** Events per second with thousands separated: `12,345/s`. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return "–";
  return `${Math.round(perSecond).toLocaleString("en-US")}/s`;
}

export function formatMiB(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : "–";
}
