/** `diffhep info [--json]`: the backend in use, what was tried, versions. */
import type { Command } from 'commander';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('show the tensor backend in use, the backends tried and the versions')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { ready } = await import('../../autodiff/backend.js');
      const { bridgedKernels } = await import('../../autodiff/wasm-fallback.js');
      const info = await ready();
      if (opts.json) {
        process.stdout.write(JSON.stringify(info) + '\n');
        return;
      }
      process.stdout.write(`backend: ${info.backend}\n`);
      for (const t of info.tried) process.stdout.write(`  tried ${t.name}: ${t.ok ? 'ok' : t.reason}\n`);
      if (info.backend === 'wasm') process.stdout.write(`  kernels supplied to wasm: ${bridgedKernels().join(', ')}\n`);
      for (const [k, v] of Object.entries(info.versions)) process.stdout.write(`  ${k} ${v}\n`);
    });
}
