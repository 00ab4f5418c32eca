#!/usr/bin/env node
// The `diffhep` command. The backend is chosen when the core is first
// imported, so `--backend` is read here, before anything else loads.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--backend' && argv[i + 1]) process.env.DIFFHEP_BACKEND = argv[i + 1];
  else if (argv[i].startsWith('--backend=')) process.env.DIFFHEP_BACKEND = argv[i].slice('--backend='.length);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli', 'main.ts');
const built = join(root, 'dist', 'src', 'cli', 'main.js');

let main;
if (existsSync(source) && existsSync(join(root, 'node_modules', 'tsx'))) {
  // A checkout: run the TypeScript sources directly.
  const { register } = await import('tsx/esm/api');
  register();
  main = await import(pathToFileURL(source).href);
} else {
  main = await import(pathToFileURL(built).href);
}
await main.main(process.argv);
