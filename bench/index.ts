/**
 * `npm run bench [-- --only NAME]`: runs every `bench/*.bench.ts` and prints
 * the machine, the backend and each benchmark's figures. Each benchmark
 * reports ratios against a reference measured in the same run, so figures
 * compare across machines.
 */
import { readdirSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { backendInfo } from '../src/autodiff/index.js';
import type { BenchModule } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !only || f.startsWith(only))
  .sort();

const info = backendInfo();
const cpu = cpus();
process.stdout.write(`machine: ${cpu[0]?.model ?? 'unknown cpu'} x${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}, node ${process.versions.node}\n`);
process.stdout.write(`backend: ${info.backend} (tfjs ${info.versions['@tensorflow/tfjs'] ?? '?'})\n\n`);

for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as BenchModule;
  process.stdout.write(`## ${mod.title ?? f}\n`);
  const rows = await mod.run();
  for (const r of rows) {
    const extra = r.note ? `  (${r.note})` : '';
    process.stdout.write(`  ${r.name.padEnd(56)} ${String(r.value).padStart(14)} ${r.unit}${extra}\n`);
  }
  process.stdout.write('\n');
}
