/** Every command of the `diffhep` CLI. Add one line per command module. */
import type { Command } from 'commander';
import { registerInfo } from './info.js';
import { registerRun } from './run.js';
import { registerCls } from './cls.js';
import { registerFit } from './fit.js';
import { registerUpperLimit } from './upper-limit.js';
import { registerHw } from './hw.js';

/** Registers all commands on the program. */
export function registerAll(program: Command): void {
  registerInfo(program);
  registerRun(program);
  registerCls(program);
  registerFit(program);
  registerUpperLimit(program);
  registerHw(program);
}
