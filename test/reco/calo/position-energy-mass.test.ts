import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { tf, prngKey, DomainError, ShapeMismatchError } from '../../../src/autodiff/index.js';
import { assertGradClose, propertyParams } from '../../../src/autodiff/testing/index.js';
import { cellCentres, logWeightedCentroid, calibratedEnergy, calibrationWeights, showerShapes, openingCosine, diphotonMass } from '../../../src/reco/calo/index.js';

/** Energies of an exponential lateral profile exp(−|r − r0|/λ) integrated roughly at cell centres. */
function profile(x: number[], y: number[], x0: number, y0: number, lambda: number): number[] {
  return x.map((xi, i) => 50 * Math.exp(-Math.hypot(xi - x0, y[i] - y0) / lambda));
}

describe('reco/calo position, energy, shapes, mass', () => {
  const grid = tf.tidy(() => {
    const c = cellCentres(7, tf.scalar(1));
    return { x: Array.from(c.x.dataSync()), y: Array.from(c.y.dataSync()) };
  });

  it('log-weighted centroid: exact for a symmetric shower, translation-equivariant, closer to the truth than the linear centroid (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -0.5, max: 0.5, noNaN: true }), fc.double({ min: -0.5, max: 0.5, noNaN: true }), (x0, y0) => {
        tf.tidy(() => {
          const e = profile(grid.x, grid.y, x0, y0, 0.6);
          const pos = logWeightedCentroid(tf.tensor2d([e], [1, 49]), tf.tensor1d(grid.x), tf.tensor1d(grid.y)).dataSync();
          const shifted = logWeightedCentroid(tf.tensor2d([e], [1, 49]), tf.add(tf.tensor1d(grid.x), 3), tf.add(tf.tensor1d(grid.y), -2)).dataSync();
          assert.ok(Math.abs(shifted[0] - pos[0] - 3) < 1e-4 && Math.abs(shifted[1] - pos[1] + 2) < 1e-4, 'translation');
          let sw = 0;
          let sx = 0;
          e.forEach((v, i) => { sw += v; sx += v * grid.x[i]; });
          const linear = sx / sw;
          assert.ok(Math.abs(pos[0] - x0) <= Math.abs(linear - x0) + 1e-3, `log ${pos[0]} linear ${linear} truth ${x0}`);
          assert.ok(Math.abs(pos[0] - x0) < 0.12, `bias ${pos[0] - x0}`);
        });
      }),
      propertyParams(12, 21),
    );
    tf.tidy(() => {
      const e = profile(grid.x, grid.y, 0, 0, 0.6);
      const p = logWeightedCentroid(tf.tensor2d([e], [1, 49]), tf.tensor1d(grid.x), tf.tensor1d(grid.y)).dataSync();
      assert.ok(Math.abs(p[0]) < 1e-5 && Math.abs(p[1]) < 1e-5);
    });
  });

  it('log-weighted centroid gradients in cell energies and positions match finite differences (property, with noise cells ≤ 0)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), (seed) => {
        const u = prngKey(seed).uniforms(2);
        const e = profile(grid.x, grid.y, u[0] - 0.5, u[1] - 0.5, 0.8).map((v, i) => (i % 11 === 0 ? -0.001 : v));
        assertGradClose((p) => {
          const q = p as Record<string, tf.Tensor>;
          const c = logWeightedCentroid(q.e.reshape([1, 49]), q.x, tf.tensor1d(grid.y));
          return tf.sum(tf.mul(c, tf.tensor2d([[1, 0.6]])));
        }, { e: tf.tensor1d(e), x: tf.tensor1d(grid.x) }, { eps: 1e-3, rtol: 3e-2, atol: 2e-4, maxElements: 14, seed, scale: 0.1 });
      }),
      propertyParams(4, 22),
    );
  });

  it('calibrated energy is linear in the layer energies; weights (1+δ)/(ê f); gradients vs finite differences', () => {
    tf.tidy(() => {
      const w = calibrationWeights(tf.tensor1d([0.1, 0.2]), 0.8, tf.tensor1d([0, 0.5])).dataSync();
      assert.ok(Math.abs(w[0] - 12.5) < 1e-4 && Math.abs(w[1] - 9.375) < 1e-4);
      const e = calibratedEnergy(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor1d([2, 0.5])).dataSync();
      assert.deepEqual(Array.from(e), [3, 8]);
      assert.throws(() => calibratedEnergy(tf.ones([2, 3]), tf.ones([2])), ShapeMismatchError);
      assert.throws(() => calibrationWeights(tf.ones([2]), -1, tf.zeros([2])), (err: unknown) => err instanceof DomainError && /eHat/.test((err as Error).message));
    });
    assertGradClose((p) => {
      const q = p as Record<string, tf.Tensor>;
      return tf.sum(tf.square(calibratedEnergy(tf.tensor2d([[1, 2, 0.5], [3, 4, 1]]), calibrationWeights(q.f, 0.7, q.d))));
    }, { f: tf.tensor1d([0.1, 0.15, 0.2]), d: tf.tensor1d([0.05, -0.1, 0.2]) });
  });

  it('shower shapes: width and depth of known deposits; gradients vs finite differences', () => {
    tf.tidy(() => {
      const cells = tf.tensor3d([[[0, 1, 0], [0, 3, 0]]], [1, 2, 3]);
      const s = showerShapes(cells, tf.tensor1d([-1, 0, 1]), tf.zeros([3]), tf.tensor1d([1, 3]));
      assert.ok(Math.abs(s.lateralWidthCm.dataSync()[0]) < 1e-3);
      assert.ok(Math.abs(s.depthCm.dataSync()[0] - 2.5) < 1e-5);
      const t = showerShapes(tf.tensor3d([[[1, 0, 1]]], [1, 1, 3]), tf.tensor1d([-1, 0, 1]), tf.zeros([3]), tf.tensor1d([1]));
      assert.ok(Math.abs(t.lateralWidthCm.dataSync()[0] - 1) < 1e-5);
      assert.ok(Math.abs(t.frontFraction.dataSync()[0] - 1) < 1e-6);
    });
    assertGradClose((p) => {
      const q = p as Record<string, tf.Tensor>;
      const s = showerShapes(q.c.reshape([1, 4, 3]), tf.tensor1d([-1, 0, 1]), tf.tensor1d([0, 0.5, 0]), q.d);
      return tf.add(tf.add(s.lateralWidthCm.sum(), s.depthCm.sum()), tf.mul(3, s.frontFraction.sum()));
    }, { c: tf.tensor1d([0.2, 1, 0.4, 0.5, 3, 0.7, 0.3, 2, 0.6, 0.1, 0.8, 0.2]), d: tf.tensor1d([0.5, 1.5, 2.5, 3.5]) }, { rtol: 2e-2, atol: 1e-4 });
  });

  it('diphoton mass: back-to-back photons of m/2 give m, symmetric in the photons, invariant under a common rotation in φ; gradients vs finite differences', () => {
    tf.tidy(() => {
      const m = diphotonMass(tf.scalar(62.5), tf.scalar(62.5), openingCosine(tf.scalar(Math.PI / 2), tf.scalar(0), tf.scalar(Math.PI / 2), tf.scalar(Math.PI))).dataSync()[0];
      assert.ok(Math.abs(m - 125) < 1e-3, `${m}`);
      const c1 = openingCosine(tf.tensor1d([0.7, 1.9]), tf.tensor1d([0.3, 2]), tf.tensor1d([2.2, 1]), tf.tensor1d([3.1, 5.5])).dataSync();
      const c2 = openingCosine(tf.tensor1d([2.2, 1]), tf.tensor1d([3.1 + 1.2, 5.5 + 1.2]), tf.tensor1d([0.7, 1.9]), tf.tensor1d([0.3 + 1.2, 2 + 1.2])).dataSync();
      c1.forEach((v, i) => assert.ok(Math.abs(v - c2[i]) < 1e-5));
      const zeroE = diphotonMass(tf.scalar(-1), tf.scalar(40), tf.scalar(-1)).dataSync()[0];
      assert.ok(Number.isFinite(zeroE) && zeroE < 1e-3, 'a negative energy gives mass 0, not NaN');
      assert.throws(() => diphotonMass(tf.ones([2]), tf.ones([3]), tf.ones([2])), ShapeMismatchError);
    });
    assertGradClose((p) => {
      const q = p as Record<string, tf.Tensor>;
      return tf.sum(diphotonMass(q.e1, q.e2, openingCosine(q.t1, q.p1, q.t2, tf.add(q.p1, 3))));
    }, { e1: tf.tensor1d([60, 45]), e2: tf.tensor1d([70, 80]), t1: tf.tensor1d([1.2, 0.9]), p1: tf.tensor1d([0.1, -0.4]), t2: tf.tensor1d([2.0, 1.7]) }, { rtol: 2e-2, atol: 1e-3 });
  });
});
