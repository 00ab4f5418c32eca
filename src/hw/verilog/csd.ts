/**
 * Canonical signed digits: the representation of an integer with digits in
 * {-1, 0, +1} and no two adjacent non-zero digits. It has the fewest non-zero
 * digits of any signed-digit form, so a constant multiplication x * c becomes
 * the fewest shift-add terms: sum_k d_k (x << k).
 */

/** CSD digits of `c` as `{ shift, sign }` terms (least significant first). */
export function csdTerms(c: bigint): { shift: number; sign: 1 | -1 }[] {
  const terms: { shift: number; sign: 1 | -1 }[] = [];
  let v = c;
  let k = 0;
  while (v !== 0n) {
    if ((v & 1n) === 1n) {
      // Digit is +1 if v = 1 (mod 4), -1 if v = 3 (mod 4).
      const d = (v & 3n) === 3n ? -1 : 1;
      terms.push({ shift: k, sign: d });
      v -= BigInt(d);
    }
    v >>= 1n;
    k++;
  }
  return terms;
}
