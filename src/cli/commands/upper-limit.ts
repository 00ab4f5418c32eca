/** `diffhep upper-limit WORKSPACE.json [--json]`: 95 % CL upper limit on the POI (observed and expected band). */
import type { Command } from 'commander';
import { addWorkspaceOptions } from './workspace-options.js';
import { DiffhepError } from '../../autodiff/errors.js';

export function registerUpperLimit(program: Command): void {
  addWorkspaceOptions(
    program
      .command('upper-limit')
      .description('CLs upper limit on the POI of a pyhf JSON workspace, by a linear scan (pyhf upper_limit) or by root finding')
      .argument('<workspace>', 'pyhf JSON workspace')
      .option('--scan <lo:hi:n>', 'scan of the POI', '0:5:51')
      .option('--method <name>', 'scan or root', 'scan')
      .option('--level <alpha>', 'CLs level (0.05 for 95 % CL)', '0.05')
  )
    .action(async (path: string, opts: { scan: string; method: string; level: string; normsys: string; histosys: string; json?: boolean }) => {
      const level = Number(opts.level);
      if (!(level > 0 && level < 1)) throw new DiffhepError(`--level must be in (0, 1), got '${opts.level}'`, 'level');
      const { loadWorkspaceModel, upperLimitScan, upperLimitRoot, linspace, interpOptions } = await import('../../inference/index.js');
      const model = loadWorkspaceModel(path, interpOptions(opts.normsys, opts.histosys));
      let r;
      if (opts.method === 'scan') {
        const parts = opts.scan.split(':').map(Number);
        if (parts.length !== 3 || !parts.every(Number.isFinite) || !(parts[1] > parts[0]) || !(parts[2] >= 2)) throw new DiffhepError(`--scan must be lo:hi:n with hi > lo and n >= 2, got '${opts.scan}'`, 'scan');
        r = upperLimitScan(model, model.observedData(), linspace(parts[0], parts[1], Math.round(parts[2])), { level });
      } else if (opts.method === 'root') {
        r = upperLimitRoot(model, model.observedData(), { level });
      } else throw new DiffhepError(`--method must be scan or root, got '${opts.method}'`, 'method');
      if (opts.json) process.stdout.write(JSON.stringify({ obs: r.obs, exp: r.exp }) + '\n');
      else process.stdout.write(`obs ${r.obs}\nexp ${r.exp.join(' ')}\n`);
    });
}
