/** Options shared by the commands that read a pyhf JSON workspace (cls, fit, upper-limit). */
import type { Command } from 'commander';

/** The interpolation-code and output options, with pyhf 0.7's defaults. */
export function addWorkspaceOptions(cmd: Command): Command {
  return cmd
    .option('--normsys <code>', 'normsys interpolation: code4 (pyhf 0.7 default) or code1', 'code4')
    .option('--histosys <code>', 'histosys interpolation: code4p (pyhf 0.7 default) or code0', 'code4p')
    .option('--json', 'print JSON');
}
