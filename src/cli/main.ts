/**
 * The `diffhep` command line. Each command lives in `commands/` and registers
 * itself on the program; see `commands/index.ts` for the list.
 */
import { Command } from 'commander';
import { registerAll } from './commands/index.js';
import { DiffhepError } from '../autodiff/errors.js';

/** Builds the program with every command registered. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('diffhep')
    .description('Differentiable programming for particle physics')
    .option('--backend <name>', 'tensor backend: tensorflow, wasm or cpu (default: the first that works)')
    .showHelpAfterError();
  registerAll(program);
  return program;
}

/** Runs the command line; errors print one clear line and exit 1. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    const msg = e instanceof DiffhepError ? e.message : e instanceof Error ? (process.env.DIFFHEP_DEBUG ? e.stack ?? e.message : e.message) : String(e);
    process.stderr.write(`diffhep: ${msg}\n`);
    process.exitCode = 1;
  }
}
