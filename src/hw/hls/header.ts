/**
 * diffhep's own bit-exact ap_fixed header (`include/diffhep_ap_fixed.h`,
 * shipped with the package) and its placement in an export: the generated
 * code includes "ap_fixed.h", so an export's `hls/include/` holds the header
 * and a one-line `ap_fixed.h` that includes it. Pointing the include path at
 * Xilinx's headers instead compiles the same code against theirs.
 *
 * @example
 * ```ts
 * installApFixedHeader('out/hls/include'); // then: g++ -Iout/hls/include ...
 * ```
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiffhepError } from '../../autodiff/index.js';

export const AP_FIXED_HEADER = 'diffhep_ap_fixed.h';

/**
 * Path of the shipped header: beside this module in a checkout
 * (src/hw/hls/include), or in the package's src/hw/hls/include when running
 * the compiled dist/src/hw/hls module.
 */
export function apFixedHeaderPath(moduleDir = dirname(fileURLToPath(import.meta.url))): string {
  const candidates = [join(moduleDir, 'include', AP_FIXED_HEADER), join(moduleDir, '..', '..', '..', '..', 'src', 'hw', 'hls', 'include', AP_FIXED_HEADER)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new DiffhepError(`the ap_fixed header '${AP_FIXED_HEADER}' is missing from the installation (looked in ${candidates.join(', ')})`, 'header');
  return found;
}

/** Writes `dir/diffhep_ap_fixed.h` and `dir/ap_fixed.h` (which includes it). */
export function installApFixedHeader(dir: string): void {
  mkdirSync(dir, { recursive: true });
  copyFileSync(apFixedHeaderPath(), join(dir, AP_FIXED_HEADER));
  writeFileSync(
    join(dir, 'ap_fixed.h'),
    `// diffhep's bit-exact ap_fixed subset for compiling the generated code with g++.\n// Compile with -I<Xilinx include dir> instead of -Iinclude to use Xilinx's ap_fixed.h.\n#include "${AP_FIXED_HEADER}"\n`,
  );
}
