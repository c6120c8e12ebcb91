/** Small statistics and formatting functions of the benchmarks. */

/**
 * `bench()` options of a benchmark that measures and prints its own figures in one call: vitest runs it
 * exactly once, without warm-up (the benchmark does its own).
 */
export const RUN_ONCE = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 } as const;

/** Median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.toSorted((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The `q` quantile of `values` (0 ≤ q ≤ 1), interpolated between the two nearest values (NaN when empty). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.toSorted((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/** `values` rotated left by `by`: round `r` of an interleaved benchmark starts with variant `r`. */
export function rotate<T>(values: readonly T[], by: number): T[] {
  const shift = by % values.length;
  return [...values.slice(shift), ...values.slice(0, shift)];
}

/** Formats a row of cells, each padded to its column's width. */
export function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join('  ');
}

/** Reads a positive integer from the environment, with a default. */
export function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** Mebibytes, one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The machine's load, to print beside the figures. */
export async function loadConditions(): Promise<string> {
  const { loadavg, cpus } = await import('node:os');
  const [one, five] = loadavg();
  return `${cpus().length} CPUs, load average ${one!.toFixed(2)} (1 min) ${five!.toFixed(2)} (5 min), Node ${process.version}`;
}
