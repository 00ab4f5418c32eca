/**
 * Command line of the statistical-reach study (study.ts):
 *
 *   npx tsx experiments/lartpc-calibration/cli.ts fisher [--quick] [--seed 1] [--out out/lartpc-calibration]
 *   npx tsx experiments/lartpc-calibration/cli.ts fits --sample mixed --tracks 256 --batch 64 --targets 3
 *   npx tsx experiments/lartpc-calibration/cli.ts closure --tracks 32768 --first 0 --count 10 --out /path/outside/the/repo
 */
import { Command } from 'commander';
import { DiffhepError } from '../../src/autodiff/index.js';
import { SAMPLE_KINDS, type SampleKind } from './fisher.js';
import { runFisher, runScalingFits } from './study.js';
import { runClosure } from './closure.js';

function int(name: string, min: number) {
  return (s: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < min) throw new DiffhepError(`--${name} must be an integer >= ${min}, got '${s}'`, name);
    return n;
  };
}

function intList(s: string): number[] {
  return s.split(',').map((x) => int('ns', 1)(x.trim()));
}

function sample(s: string): SampleKind {
  if (!(SAMPLE_KINDS as readonly string[]).includes(s)) throw new DiffhepError(`--sample must be one of ${SAMPLE_KINDS.join(', ')}, got '${s}'`, 'sample');
  return s as SampleKind;
}

const program = new Command('lartpc-calibration-study');
program
  .command('fisher')
  .description('Fisher (Cramér-Rao) sigma of the six parameters vs the number of tracks; writes fisher.json')
  .option('--quick', 'small sizes (4, 8, 16 tracks), two targets')
  .option('--seed <n>', 'seed of the tracks and targets', int('seed', 0), 1)
  .option('--out <dir>', 'output folder', 'out/lartpc-calibration')
  .option('--ns <list>', 'sample sizes, comma separated (multiples of --batch, or smaller)', intList)
  .option('--batch <n>', 'tracks per readout (event)', int('batch', 1))
  .option('--evals <n>', 'Hessian evaluations per fitted target, for the CPU estimate', int('evals', 1))
  .option('--no-progress', 'no progress bar')
  .action(async (o: { quick?: boolean; seed: number; out: string; ns?: number[]; batch?: number; evals?: number; progress: boolean }) => {
    const r = await runFisher({ quick: !!o.quick, seed: o.seed, out: o.out, ns: o.ns, batch: o.batch, hessianEvalsPerTarget: o.evals, progress: o.progress });
    process.stdout.write(`${o.out}/fisher.json\n${r.summary}\n`);
  });
program
  .command('fits')
  .description('noisy fits of large samples (readouts of --batch tracks); writes scaling-<sample>-<tracks>.json, resumes')
  .option('--sample <kind>', `track sample (${SAMPLE_KINDS.join(', ')})`, sample, 'mixed' as SampleKind)
  .option('--tracks <n>', 'tracks per target', int('tracks', 1), 256)
  .option('--batch <n>', 'tracks per readout (event)', int('batch', 1), 64)
  .option('--targets <n>', 'number of targets', int('targets', 1), 3)
  .option('--seed <n>', 'seed of the tracks, targets and noise', int('seed', 0), 1)
  .option('--out <dir>', 'output folder', 'out/lartpc-calibration')
  .option('--no-progress', 'no progress bar')
  .action(async (o: { sample: SampleKind; tracks: number; batch: number; targets: number; seed: number; out: string; progress: boolean }) => {
    const r = await runScalingFits({ ...o });
    process.stdout.write(`${r.summary}\n`);
  });
program
  .command('closure')
  .description('noisy closure at full statistics: warm-start fit, Newton passes with a fixed matrix, Hessian at the optimum; one checkpoint per target, resumes; writes closure-<tracks>.json')
  .option('--tracks <n>', 'tracks per target (multiple of --batch)', int('tracks', 1), 32768)
  .option('--batch <n>', 'tracks per readout (event)', int('batch', 1), 64)
  .option('--warm <n>', 'tracks of the warm-start fit', int('warm', 1), 256)
  .option('--matrix <n>', 'tracks of the fixed Newton matrix', int('matrix', 1), 1024)
  .option('--first <k>', 'first target', int('first', 0), 0)
  .option('--count <n>', 'number of targets', int('count', 1), 10)
  .option('--seed <n>', 'seed of the tracks, targets and noise', int('seed', 0), 1)
  .option('--out <dir>', 'output folder', 'out/lartpc-calibration')
  .option('--no-progress', 'no progress bar')
  .action(async (o: { tracks: number; batch: number; warm: number; matrix: number; first: number; count: number; seed: number; out: string; progress: boolean }) => {
    const r = await runClosure({ seed: o.seed, out: o.out, progress: o.progress, tracks: o.tracks, batch: o.batch, warmTracks: o.warm, hessianTracks: o.matrix, first: o.first, count: o.count });
    process.stdout.write(`${r.file}\n${r.summary}\n`);
  });
await program.parseAsync(process.argv);
