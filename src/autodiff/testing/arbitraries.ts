/**
 * fast-check arbitraries for property-based tests of differentiable code:
 * float32-representable numbers, tensor data, parameter trees drawn within
 * ranges, and physical quantities (energies, positions, directions). They
 * produce plain data, never tensors, so that shrinking cannot leak memory;
 * build tensors inside the property.
 */
import fc from 'fast-check';

/** A float32-representable number in [min, max], never NaN. */
export function arbFloat32(min: number, max: number): fc.Arbitrary<number> {
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((v) => Math.min(max, Math.max(min, Math.fround(v))));
}

/** Log-uniformly distributed positive number in [min, max]. */
export function arbLogUniform(min: number, max: number): fc.Arbitrary<number> {
  if (!(min > 0 && max > min)) throw new Error(`arbLogUniform needs 0 < min < max, got ${min}, ${max}`);
  return fc.double({ min: Math.log(min), max: Math.log(max), noNaN: true }).map((l) => Math.min(max, Math.max(min, Math.fround(Math.exp(l)))));
}

/** Data of a tensor of fixed shape: { shape, values }. */
export function arbTensorData(shape: number[], min = -1, max = 1): fc.Arbitrary<{ shape: number[]; values: number[] }> {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.array(arbFloat32(min, max), { minLength: n, maxLength: n }).map((values) => ({ shape, values }));
}

/** A range template: [min, max] per leaf, nested like a parameter tree. */
export type RangeTree = readonly [number, number] | { [k: string]: RangeTree };

/** A parameter tree of numbers, each drawn uniformly in its [min, max]. */
export function arbParamTree<T extends RangeTree>(ranges: T): fc.Arbitrary<Record<string, unknown>> {
  const build = (r: RangeTree): fc.Arbitrary<unknown> => {
    if (Array.isArray(r)) return arbFloat32((r as readonly [number, number])[0], (r as readonly [number, number])[1]);
    const entries = Object.entries(r as Record<string, RangeTree>).map(([k, v]) => [k, build(v)] as const);
    return fc.record(Object.fromEntries(entries)) as fc.Arbitrary<unknown>;
  };
  return build(ranges) as fc.Arbitrary<Record<string, unknown>>;
}

/** A kinetic energy in MeV, log-uniform in [minMeV, maxMeV]. */
export function arbEnergyMeV(minMeV = 1, maxMeV = 1e5): fc.Arbitrary<number> {
  return arbLogUniform(minMeV, maxMeV);
}

/** A point in an axis-aligned box (cm): { x, y, z }. */
export function arbPointCm(box: { x: [number, number]; y: [number, number]; z: [number, number] }): fc.Arbitrary<{ x: number; y: number; z: number }> {
  return fc.record({ x: arbFloat32(...box.x), y: arbFloat32(...box.y), z: arbFloat32(...box.z) });
}

/** A unit direction, uniform on the sphere: { dx, dy, dz }. */
export function arbDirection(): fc.Arbitrary<{ dx: number; dy: number; dz: number }> {
  return fc.record({ u: fc.double({ min: -1, max: 1, noNaN: true }), phi: fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }) }).map(({ u, phi }) => {
    const s = Math.sqrt(Math.max(0, 1 - u * u));
    return { dx: s * Math.cos(phi), dy: s * Math.sin(phi), dz: u };
  });
}

/** A seed for random keys. */
export function arbSeed(): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: 2 ** 31 - 1 });
}

/** Parameters for `fc.assert` with a fixed seed and a bounded number of runs, as our tests use. */
export function propertyParams(numRuns = 25, seed = 20261123): { numRuns: number; seed: number; endOnFailure: boolean } {
  return { numRuns, seed, endOnFailure: true };
}
