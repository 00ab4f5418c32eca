/**
 * Progress reporting for long runs: a cli-progress bar on a terminal, a line
 * every few seconds otherwise (CI logs), nothing when disabled.
 */
import cliProgress from 'cli-progress';

/** A progress reporter driven by an optimizer's per-step callback. */
export interface Progress {
  update(step: number, info?: Record<string, number | string>): void;
  stop(): void;
}

/** Starts a progress reporter for `total` steps. */
export function startProgress(label: string, total: number, enabled = true): Progress {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} {info}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { info: '' });
    return {
      update: (step, info) => bar.update(step, { info: info ? formatInfo(info) : '' }),
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update: (step, info) => {
      const now = Date.now();
      if (now - last > 5000 || step === total) {
        last = now;
        process.stderr.write(`${label} ${step}/${total} ${info ? formatInfo(info) : ''}\n`);
      }
    },
    stop: () => undefined,
  };
}

function formatInfo(info: Record<string, number | string>): string {
  return Object.entries(info)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4)) : v}`)
    .join(' ');
}
