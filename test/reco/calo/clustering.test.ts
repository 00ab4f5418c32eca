import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { tf, prngKey, DomainError, ShapeMismatchError } from '../../../src/autodiff/index.js';
import { assertGradClose, propertyParams } from '../../../src/autodiff/testing/index.js';
import { cellCentres, softClusters, softSeed, localMaxima } from '../../../src/reco/calo/index.js';

/** Random cell energies [B, L, C] (positive with a little negative noise) from a key. */
function randomCells(seed: number, B: number, L: number, C: number): Float32Array {
  const u = prngKey(seed).uniforms(B * L * C);
  return Float32Array.from(u, (v) => 3 * v * v - 0.05);
}

describe('reco/calo clustering', () => {
  it('energy conservation: cluster energies plus the unclustered energy equal the total (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 3 }), fc.double({ min: 0.5, max: 6, noNaN: true }), (seed, K, radius) => {
        tf.tidy(() => {
          const B = 3;
          const L = 4;
          const { x, y } = cellCentres(5, tf.scalar(2));
          const cells = tf.tensor3d(randomCells(seed, B, L, 25), [B, L, 25]);
          const seeds = tf.tensor3d(Float32Array.from(prngKey(seed + 1).uniforms(B * K * 2), (v) => 8 * v - 4), [B, K, 2]);
          const cl = softClusters(cells, x, y, seeds, { radiusCm: radius, softnessCm: 0.3 });
          const total = tf.sum(cells, [1, 2]).dataSync();
          const sum = tf.add(tf.sum(cl.energies, 1), tf.sum(cl.unclusteredLayers, 1)).dataSync();
          for (let b = 0; b < B; b++) assert.ok(Math.abs(sum[b] - total[b]) <= 2e-5 * Math.max(1, Math.abs(total[b])), `event ${b}: ${sum[b]} vs ${total[b]}`);
          const rows = tf.sum(cl.membership, 2).dataSync();
          rows.forEach((r) => assert.ok(Math.abs(r - 1) < 1e-5));
        });
      }),
      propertyParams(15, 11),
    );
  });

  it('permutation invariance: shuffling the cells (energies with their positions) leaves the clusters unchanged (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), (seed) => {
        tf.tidy(() => {
          const B = 2;
          const L = 3;
          const C = 25;
          const { x, y } = cellCentres(5, tf.scalar(1.7));
          const e = randomCells(seed, B, L, C);
          const seeds = tf.tensor3d([0.3, -0.2, 2.5, 2.1, -1, 0.4, 1.9, -2.6], [B, 2, 2]);
          const o = { radiusCm: 2.2, softnessCm: 0.25 };
          const ref = softClusters(tf.tensor3d(e, [B, L, C]), x, y, seeds, o);
          const u = prngKey(seed).fold('perm').uniforms(C);
          const perm = Array.from({ length: C }, (_, i) => i).sort((a, b) => u[a] - u[b]);
          const idx = tf.tensor1d(perm, 'int32');
          const cl = softClusters(tf.gather(tf.tensor3d(e, [B, L, C]), idx, 2), tf.gather(x, idx), tf.gather(y, idx), seeds, o);
          const a = ref.layerEnergies.dataSync();
          const b = cl.layerEnergies.dataSync();
          a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5 * Math.max(1, Math.abs(v)), `${v} vs ${b[i]}`));
        });
      }),
      propertyParams(10, 12),
    );
  });

  it('a cell is shared by the nearer of two seeds; far cells stay unclustered', () => {
    tf.tidy(() => {
      const x = tf.tensor1d([-4, -1, 1, 4, 10]);
      const y = tf.zeros([5]);
      const cells = tf.ones([1, 1, 5]);
      const cl = softClusters(cells, x, y, tf.tensor3d([-3, 0, 3, 0], [1, 2, 2]), { radiusCm: 3, softnessCm: 0.1 });
      const m = cl.membership.arraySync() as number[][][];
      assert.ok(m[0][0][0] > 0.99 && m[0][3][1] > 0.99, 'cells next to a seed belong to it');
      assert.ok(m[0][4][2] > 0.99, 'a cell 7 cm from the nearest seed is unclustered');
    });
  });

  it('gradients in cell energies, seeds, radius and softness match finite differences (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), (seed) => {
        const B = 2;
        const L = 2;
        const { x, y } = tf.tidy(() => {
          const c = cellCentres(5, tf.scalar(2));
          return { x: Array.from(c.x.dataSync()), y: Array.from(c.y.dataSync()) };
        });
        const cells = Array.from(randomCells(seed, B, L, 25));
        const weights = Array.from(prngKey(seed).fold('w').uniforms(B * 2 * L), (v) => v - 0.5);
        assertGradClose(
          (p) => {
            const q = p as Record<string, tf.Tensor>;
            const cl = softClusters(q.cells.reshape([B, L, 25]), tf.tensor1d(x), tf.tensor1d(y), q.seeds.reshape([B, 2, 2]), { radiusCm: q.radius, softnessCm: q.soft });
            return tf.sum(tf.mul(cl.layerEnergies.reshape([-1]), tf.tensor1d(weights)));
          },
          { cells: tf.tensor1d(cells), seeds: tf.tensor1d([0.5, 0.2, -2, 1.5, 1, -1, 2.2, 2.4]), radius: 3.1, soft: 0.6 },
          { eps: 1e-3, rtol: 2e-2, atol: 1e-4, maxElements: 16, seed },
        );
      }),
      propertyParams(4, 13),
    );
  });

  it('softSeed sits on the hottest cell and moves smoothly; localMaxima finds two showers', () => {
    tf.tidy(() => {
      const { x, y } = cellCentres(5, tf.scalar(2));
      const e = new Float32Array(25);
      e[12] = 10;
      e[13] = 2;
      e[7] = 1;
      const s = softSeed(tf.tensor2d(e, [1, 25]), x, y).dataSync();
      assert.ok(Math.abs(s[0]) < 0.05 && Math.abs(s[1]) < 0.05, `seed ${s}`);
      e[13] = 10; // a tie between two cells: the seed lies between them
      const t = softSeed(tf.tensor2d(e, [1, 25]), x, y).dataSync();
      assert.ok(Math.abs(t[1] - 1) < 0.05, `seed between cells ${t}`);
    });
    assert.deepEqual(localMaxima(Float32Array.from([5, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 2, 7, 0]), 4, 0.5), [14, 0]);
    assertGradClose((p) => tf.sum(tf.mul(softSeed((p as { e: tf.Tensor }).e.reshape([1, 9]), tf.tensor1d([-1, -1, -1, 0, 0, 0, 1, 1, 1]), tf.tensor1d([-1, 0, 1, -1, 0, 1, -1, 0, 1])), tf.tensor2d([[1, 0.7]]))), { e: tf.tensor1d([0.2, 0.5, 0.1, 1.4, 4, 2.1, 0.3, 0.9, 0.2]) }, { rtol: 2e-2, atol: 1e-4 });
  });

  it('bad inputs name the field', () => {
    tf.tidy(() => {
      const { x, y } = cellCentres(3, tf.scalar(1));
      assert.throws(() => softClusters(tf.ones([1, 1, 9]), x, y, tf.zeros([1, 1, 2]), { radiusCm: -1, softnessCm: 0.1 }), (e: unknown) => e instanceof DomainError && /radiusCm/.test((e as Error).message));
      assert.throws(() => softClusters(tf.ones([1, 1, 8]), x, y, tf.zeros([1, 1, 2]), { radiusCm: 1, softnessCm: 0.1 }), ShapeMismatchError);
      assert.throws(() => cellCentres(4, 1), (e: unknown) => e instanceof DomainError && /cellsPerSide/.test((e as Error).message));
      assert.throws(() => softSeed(tf.ones([1, 9]), x, y, 1), (e: unknown) => e instanceof DomainError && /power/.test((e as Error).message));
    });
  });
});
