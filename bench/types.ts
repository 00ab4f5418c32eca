/** One figure of a benchmark. */
export interface BenchRow {
  name: string;
  value: number | string;
  unit: string;
  note?: string;
}

/** A benchmark module: `bench/NAME.bench.ts` exports `title` and `run`. */
export interface BenchModule {
  title?: string;
  run(): Promise<BenchRow[]>;
}

/** Median wall time in ms of `fn` over `reps` runs after `warmup` runs. */
export function timeMs(fn: () => void, reps = 5, warmup = 1): number {
  for (let i = 0; i < warmup; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

/** Peak resident set size so far, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}
