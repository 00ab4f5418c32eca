/** `diffhep cls WORKSPACE.json [--mu 1] [--test-stat qtilde|q] [--json]`: asymptotic CLs as pyhf's `cls`. */
import type { Command } from 'commander';
import { addWorkspaceOptions } from './workspace-options.js';
import { DiffhepError } from '../../autodiff/errors.js';

export function registerCls(program: Command): void {
  addWorkspaceOptions(
    program
      .command('cls')
      .description('asymptotic CLs (observed and expected band) of a pyhf JSON workspace')
      .argument('<workspace>', 'pyhf JSON workspace')
      .option('--mu <value>', 'POI value tested', '1')
      .option('--test-stat <name>', 'qtilde or q', 'qtilde')
  )
    .action(async (path: string, opts: { mu: string; testStat: string; normsys: string; histosys: string; json?: boolean }) => {
      const mu = Number(opts.mu);
      if (!Number.isFinite(mu)) throw new DiffhepError(`--mu must be a number, got '${opts.mu}'`, 'mu');
      if (opts.testStat !== 'qtilde' && opts.testStat !== 'q') throw new DiffhepError(`--test-stat must be qtilde or q, got '${opts.testStat}'`, 'test-stat');
      const { loadWorkspaceModel, AsymptoticCalculator, interpOptions } = await import('../../inference/index.js');
      const model = loadWorkspaceModel(path, interpOptions(opts.normsys, opts.histosys));
      const r = new AsymptoticCalculator(model, model.observedData(), { testStat: opts.testStat }).hypotest(mu);
      if (opts.json) process.stdout.write(JSON.stringify({ CLs_obs: r.clsObs, CLs_exp: r.clsExp }) + '\n');
      else process.stdout.write(`CLs_obs ${r.clsObs}\nCLs_exp ${r.clsExp.join(' ')}\n`);
    });
}
