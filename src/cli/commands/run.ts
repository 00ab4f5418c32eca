/** `diffhep run NAME [--quick] [--seed N] [--out DIR]`: runs an experiment. */
import type { Command } from 'commander';
import { experiments } from '../../../experiments/index.js';
import { DiffhepError } from '../../autodiff/errors.js';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description(`run an experiment (${Object.keys(experiments).join(', ')})`)
    .argument('<name>', 'experiment name')
    .option('--quick', 'a smaller run that finishes in minutes')
    .option('--seed <n>', 'random seed', '1')
    .option('--out <dir>', 'output folder (default out/<name>)')
    .option('--resume', 'resume from the checkpoint in the output folder if there is one', true)
    .option('--no-progress', 'no progress bar')
    .action(async (name: string, opts: { quick?: boolean; seed: string; out?: string; resume: boolean; progress: boolean }) => {
      const entry = experiments[name];
      if (!entry) throw new DiffhepError(`unknown experiment '${name}' (have: ${Object.keys(experiments).join(', ')})`, 'name');
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed) || seed < 0) throw new DiffhepError(`--seed must be a non-negative integer, got '${opts.seed}'`, 'seed');
      await import('../../autodiff/index.js');
      const mod = await entry.load();
      const out = opts.out ?? `out/${name}`;
      const result = await mod.run({ quick: !!opts.quick, seed, out, resume: opts.resume, progress: opts.progress });
      process.stdout.write(`${name}: results in ${out}/results.json\n`);
      if (result && typeof result === 'object' && 'summary' in result) process.stdout.write(String((result as { summary: unknown }).summary) + '\n');
    });
}
