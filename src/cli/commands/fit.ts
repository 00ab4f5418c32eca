/** `diffhep fit WORKSPACE.json [--json]`: maximum-likelihood fit with HESSE uncertainties. */
import type { Command } from 'commander';
import { addWorkspaceOptions } from './workspace-options.js';

export function registerFit(program: Command): void {
  addWorkspaceOptions(
    program
      .command('fit')
      .description('maximum-likelihood fit (MIGRAD + HESSE) of a pyhf JSON workspace to its observed data')
      .argument('<workspace>', 'pyhf JSON workspace')
  )
    .action(async (path: string, opts: { normsys: string; histosys: string; json?: boolean }) => {
      const { loadWorkspaceModel, fitModel, interpOptions } = await import('../../inference/index.js');
      const model = loadWorkspaceModel(path, interpOptions(opts.normsys, opts.histosys));
      const r = fitModel(model, model.observedData(), { hesse: true });
      const out = { par_order: model.parOrder, bestfit: r.bestfit, uncertainties: r.uncertainties, twice_nll: r.twiceNll };
      if (opts.json) {
        process.stdout.write(JSON.stringify(out) + '\n');
        return;
      }
      const names = model.scalarNames();
      names.forEach((n, i) => process.stdout.write(`${n.padEnd(24)} ${r.bestfit[i].toPrecision(8)} ± ${r.uncertainties![i].toPrecision(4)}\n`));
      process.stdout.write(`twice_nll ${r.twiceNll}  (edm ${r.edm.toExponential(2)}, ${r.converged ? 'converged' : 'NOT converged'})\n`);
    });
}
