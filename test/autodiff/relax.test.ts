/**
 * Relaxations: gradients against finite differences (property tests) and
 * convergence to the hard operation in the limit each one documents.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  tf, sigmoidCut, softThreshold, softHistogram, softArgmax, softAssignment, smoothMax, smoothMin, stRound, stFloor, stClamp,
  valueAndGrad, hessian, PRNGKey, DomainError, ShapeMismatchError, type Tensor, type Tree,
} from '../../src/autodiff/index.js';
import { checkGrad, propertyParams, arbFloat32, arbTensorData } from '../../src/autodiff/testing/index.js';
import { assertClose, assertAllClose, assertGradOk, values, assertNoLeak } from './helpers.js';

type T = Tree<Tensor>;
const leaf = (t: T, k: string) => (t as Record<string, Tensor>)[k];

/** np.histogram's counts: bins [b_k, b_{k+1}), the last one closed. */
function hardHistogram(x: ArrayLike<number>, edges: number[], w?: ArrayLike<number>): number[] {
  const k = edges.length - 1;
  const out = new Array<number>(k).fill(0);
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < k; j++) {
      if (x[i] >= edges[j] && (x[i] < edges[j + 1] || (j === k - 1 && x[i] === edges[k]))) {
        out[j] += w ? w[i] : 1;
        break;
      }
    }
  }
  return out;
}

describe('relaxations', () => {
  describe('sigmoidCut', () => {
    it('gradients in x, cut and slope match finite differences (property)', () => {
      fc.assert(
        fc.property(arbTensorData([6], -2, 2), arbFloat32(-1, 1), arbFloat32(0.5, 5), fc.constantFrom<'above' | 'below'>('above', 'below'), (x, cut, slope, dir) => {
          const xt = tf.tensor(x.values, x.shape);
          const w = tf.tensor1d([1, -1, 2, 0.5, -0.3, 1.5]);
          assertGradOk(checkGrad((t) => tf.sum(tf.mul(sigmoidCut(leaf(t, 'x'), leaf(t, 'cut'), leaf(t, 'slope'), dir), w)), { x: xt, cut, slope }), `sigmoidCut ${dir}`);
          xt.dispose();
          w.dispose();
        }),
        propertyParams(15, 501),
      );
    });

    it('becomes the step function as slope → ∞, and below = 1 − above', () => {
      const xs = Array.from({ length: 41 }, (_, i) => -1 + 0.05 * i + 0.013); // never on the cut
      const x = tf.tensor1d(xs);
      const errors = [1, 10, 100, 1e4].map((slope) => {
        const w = values(sigmoidCut(x, 0.2, slope));
        return Math.max(...w.map((v, i) => Math.abs(v - (xs[i] > 0.2 ? 1 : 0))));
      });
      for (let i = 1; i < errors.length; i++) assert.ok(errors[i] < errors[i - 1], `error not decreasing with slope: ${errors}`);
      assert.ok(errors[3] < 1e-6, `step not reached: ${errors[3]}`);
      const above = values(sigmoidCut(x, 0.2, 7));
      const below = values(sigmoidCut(x, 0.2, 7, 'below'));
      assertAllClose(below, above.map((a) => 1 - a), 0, 1e-6, 'below');
      assertClose(values(sigmoidCut(tf.scalar(0.2), 0.2, 50))[0], 0.5, 0, 0, 'at the cut');
      x.dispose();
    });

    it('leaks ρ·ln2/slope on each side of the cut for a flat density', () => {
      // 200 001 points uniform on [−1, 1] (ρ = 1e5 per unit), cut at 0, slope 20
      const n = 200_001;
      const x = tf.linspace(-1, 1, n);
      const w = sigmoidCut(x, 0, 20);
      const xs = values(x);
      const ws = values(w);
      let leakBelow = 0;
      let lossAbove = 0;
      for (let i = 0; i < n; i++) {
        if (xs[i] < 0) leakBelow += ws[i];
        else if (xs[i] > 0) lossAbove += 1 - ws[i];
      }
      const rho = (n - 1) / 2;
      assertClose(leakBelow, (rho * Math.LN2) / 20, 2e-3, 1, 'leak below the cut');
      assertClose(lossAbove, (rho * Math.LN2) / 20, 2e-3, 1, 'loss above the cut');
      x.dispose();
      w.dispose();
    });
  });

  describe('softThreshold', () => {
    it('gradients in x, threshold and width match finite differences (property)', () => {
      fc.assert(
        fc.property(arbTensorData([5], 0, 4), arbFloat32(0.5, 2.5), arbFloat32(0.1, 1), (x, thr, width) => {
          const xt = tf.tensor(x.values, x.shape);
          assertGradOk(checkGrad((t) => tf.sum(tf.square(softThreshold(leaf(t, 'x'), leaf(t, 'thr'), leaf(t, 'width')))), { x: xt, thr, width }), 'softThreshold');
          xt.dispose();
        }),
        propertyParams(15, 502),
      );
    });

    it('becomes zero suppression as width → 0, within the documented bound', () => {
      const xs = [0, 0.3, 0.9, 1.1, 2, 5];
      const x = tf.tensor1d(xs);
      for (const width of [0.3, 0.05, 1e-4]) {
        const y = values(softThreshold(x, 1, width));
        y.forEach((v, i) => {
          const hard = xs[i] > 1 ? xs[i] : 0;
          const bound = Math.abs(xs[i]) * Math.exp(-Math.abs(xs[i] - 1) / width);
          assert.ok(Math.abs(v - hard) <= bound + 1e-6, `width ${width}, x ${xs[i]}: ${v} vs ${hard} (bound ${bound})`);
        });
      }
      assertAllClose(values(softThreshold(x, 1, 1e-4)), xs.map((v) => (v > 1 ? v : 0)), 0, 1e-6, 'hard limit');
      x.dispose();
    });
  });

  describe('softHistogram', () => {
    it('gradients in the data, the edges, the weights and the bandwidth match finite differences (property)', () => {
      fc.assert(
        fc.property(arbTensorData([8], -1.5, 1.5), arbTensorData([8], 0.5, 2), arbFloat32(0.1, 0.5), arbFloat32(-0.2, 0.2), (x, w, h, shift) => {
          const xt = tf.tensor(x.values, x.shape);
          const wt = tf.tensor(w.values, w.shape);
          const edges = tf.tensor1d([-1 + shift, -0.3 + shift, 0.4 + shift, 1.2 + shift]);
          const target = tf.tensor1d([2, 3, 1.5]);
          // a chi-square-like loss of the soft histogram against a target
          const loss = (t: T) => tf.sum(tf.square(tf.sub(softHistogram(leaf(t, 'x'), leaf(t, 'edges'), leaf(t, 'h'), leaf(t, 'w')), target)));
          assertGradOk(checkGrad(loss, { x: xt, edges, h, w: wt }, { rtol: 2e-2, atol: 2e-3 }), 'softHistogram');
          [xt, wt, edges, target].forEach((t) => t.dispose());
        }),
        propertyParams(10, 503),
      );
    });

    it('converges to np.histogram counts as bandwidth → 0 (weighted and unweighted)', () => {
      const edges = [-2, -1, -0.3, 0, 0.5, 1.2, 2.5];
      // 2000 normal draws, keeping those at least 1e-3 from every edge
      const xs = Array.from(PRNGKey.fromSeed('soft-histogram').normals(2000)).map(Math.fround).filter((v) => edges.every((e) => Math.abs(v - e) > 1e-3));
      const ws = Array.from(PRNGKey.fromSeed('soft-histogram-w').uniforms(xs.length), (u) => Math.fround(0.5 + u));
      const x = tf.tensor1d(xs);
      const w = tf.tensor1d(ws);
      const hard = hardHistogram(xs, edges);
      const hardW = hardHistogram(xs, edges, ws);
      const l1 = [0.5, 0.1, 0.02, 1e-3, 1e-5].map((h) => {
        const soft = values(softHistogram(x, edges, h));
        return soft.reduce((s, v, i) => s + Math.abs(v - hard[i]), 0);
      });
      for (let i = 1; i < l1.length; i++) assert.ok(l1[i] < l1[i - 1], `L1 distance to np.histogram not decreasing: ${l1}`);
      assertAllClose(values(softHistogram(x, edges, 1e-5)), hard, 0, 2e-3, 'unweighted counts at h = 1e-5');
      assertAllClose(values(softHistogram(x, tf.tensor1d(edges), 1e-5, w)), hardW, 1e-6, 2e-3, 'weighted counts at h = 1e-5');
      x.dispose();
      w.dispose();
    });

    it('never counts more than the total weight, and counts everything far inside the range', () => {
      const x = tf.tensor1d([0.3, 0.5, 0.7, 1.9]);
      const s = values(softHistogram(x, [-10, 0, 1, 10], 0.05));
      assertClose(s.reduce((a, b) => a + b, 0), 4, 0, 1e-5, 'total');
      const edgeLeak = values(softHistogram(x, [0, 1, 2], 0.3));
      assert.ok(edgeLeak.reduce((a, b) => a + b, 0) < 4, 'entries near the outer edges leak out');
      x.dispose();
    });

    it('rejects bad edges, bandwidths and weights, naming the field', () => {
      tf.tidy(() => {
        const x = tf.tensor1d([1, 2]);
        assert.throws(() => softHistogram(x, [0, 1, 1, 2], 0.1), (e: unknown) => e instanceof DomainError && e.field === 'edges' && /increasing/.test(e.message));
        assert.throws(() => softHistogram(x, [0, 1], -0.1), (e: unknown) => e instanceof DomainError && e.field === 'bandwidth' && /-0.1/.test(e.message));
        assert.throws(() => softHistogram(x, [0, 1], 0.1, tf.tensor1d([1, 2, 3])), (e: unknown) => e instanceof ShapeMismatchError && /\[2\]/.test(e.message) && /\[3\]/.test(e.message));
        assert.throws(() => softHistogram(tf.tensor2d([[1]]), [0, 1], 0.1), (e: unknown) => e instanceof ShapeMismatchError && e.field === 'x');
      });
    });
  });

  it('second derivatives through the relaxations match finite differences of the gradient (hessian)', () => {
    const x = tf.tensor1d([-0.8, -0.1, 0.3, 0.35, 0.9, 1.4]);
    const losses: Record<string, (t: T) => Tensor> = {
      softHistogram: (t) => tf.sum(tf.square(softHistogram(x, tf.stack([tf.scalar(-1), leaf(t, 'a'), leaf(t, 'b'), tf.scalar(2)]), 0.3))),
      sigmoidCut: (t) => tf.sum(tf.mul(sigmoidCut(x, leaf(t, 'a'), tf.add(leaf(t, 'b'), 2)), x)),
      smoothMax: (t) => smoothMax(tf.mul(x, leaf(t, 'a')), tf.add(leaf(t, 'b'), 0.5)),
      softArgmax: (t) => softArgmax(tf.mul(x, leaf(t, 'a')), tf.add(leaf(t, 'b'), 0.5)),
    };
    const p0 = { a: 0.2, b: 0.7 };
    for (const [name, f] of Object.entries(losses)) {
      const h = hessian(f)(p0);
      const g = (a: number, b: number) => valueAndGrad(f)({ a, b }).grad as { a: number; b: number };
      const e = 1e-2;
      const fdA = [(g(p0.a + e, p0.b).a - g(p0.a - e, p0.b).a) / (2 * e), (g(p0.a + e, p0.b).b - g(p0.a - e, p0.b).b) / (2 * e)];
      const fdB = [(g(p0.a, p0.b + e).a - g(p0.a, p0.b - e).a) / (2 * e), (g(p0.a, p0.b + e).b - g(p0.a, p0.b - e).b) / (2 * e)];
      const scale = 1e-2 * (1 + Math.max(...h.matrix.flat().map(Math.abs)));
      assertAllClose(h.matrix[0], fdA, 0, scale, `${name} H row a`);
      assertAllClose(h.matrix[1], fdB, 0, scale, `${name} H row b`);
    }
    x.dispose();
  });

  describe('softArgmax', () => {
    it('gradients match finite differences along either axis (property)', () => {
      fc.assert(
        fc.property(arbTensorData([3, 4], -2, 2), arbFloat32(0.3, 2), fc.constantFrom(0, 1, -1), (x, temp, axis) => {
          const xt = tf.tensor(x.values, x.shape);
          const loss = (t: T) => tf.sum(tf.square(softArgmax(leaf(t, 'x'), leaf(t, 'T'), axis)));
          assertGradOk(checkGrad(loss, { x: xt, T: temp }), `softArgmax axis ${axis}`);
          xt.dispose();
        }),
        propertyParams(12, 504),
      );
    });

    it('becomes the argmax index as T → 0', () => {
      const rows = [
        [0.1, 0.9, 0.3, 0.2],
        [2, -1, 0, 1.5],
        [0, 0, 0.1, 0],
      ];
      const x = tf.tensor2d(rows);
      const hard = rows.map((r) => r.indexOf(Math.max(...r)));
      const errs = [1, 0.1, 1e-3].map((temp) => Math.max(...values(softArgmax(x, temp)).map((v, i) => Math.abs(v - hard[i]))));
      assert.ok(errs[0] > errs[1] && errs[1] > errs[2], `not converging: ${errs}`);
      assertAllClose(values(softArgmax(x, 1e-3)), hard, 0, 1e-4, 'argmax per row');
      assertAllClose(values(softArgmax(x, 1e-3, 0)), [1, 0, 0, 1], 0, 1e-4, 'argmax per column');
      // between two equal maxima: their mean index
      assertClose(values(softArgmax(tf.tensor1d([0, 1, 0, 1]), 1e-3))[0], 2, 0, 1e-4, 'tie');
      x.dispose();
    });
  });

  describe('smoothMax / smoothMin', () => {
    it('gradients match finite differences (property)', () => {
      fc.assert(
        fc.property(arbTensorData([2, 5], -2, 2), arbFloat32(0.2, 2), (x, temp) => {
          const xt = tf.tensor(x.values, x.shape);
          assertGradOk(checkGrad((t) => tf.sum(tf.mul(smoothMax(leaf(t, 'x'), leaf(t, 'T')), tf.tensor1d([1, -2]))), { x: xt, T: temp }), 'smoothMax');
          assertGradOk(checkGrad((t) => tf.sum(tf.square(smoothMin(leaf(t, 'x'), leaf(t, 'T'), 0))), { x: xt, T: temp }), 'smoothMin axis 0');
          xt.dispose();
        }),
        propertyParams(12, 505),
      );
    });

    it('stays within max ≤ smoothMax ≤ max + T·ln n and min − T·ln n ≤ smoothMin ≤ min (property)', () => {
      fc.assert(
        fc.property(fc.array(arbFloat32(-100, 100), { minLength: 1, maxLength: 20 }), arbFloat32(1e-3, 10), (xs, temp) => {
          const [mx, mn] = tf.tidy(() => [values(smoothMax(tf.tensor1d(xs), temp))[0], values(smoothMin(tf.tensor1d(xs), temp))[0]]);
          const hi = Math.max(...xs);
          const lo = Math.min(...xs);
          const slack = 1e-5 * Math.max(Math.abs(hi), Math.abs(lo), 1);
          assert.ok(mx >= hi - slack && mx <= hi + temp * Math.log(xs.length) + slack, `smoothMax ${mx} outside [${hi}, ${hi + temp * Math.log(xs.length)}]`);
          assert.ok(mn <= lo + slack && mn >= lo - temp * Math.log(xs.length) - slack, `smoothMin ${mn} outside [${lo - temp * Math.log(xs.length)}, ${lo}]`);
        }),
        propertyParams(40, 506),
      );
    });

    it('becomes max and min as T → 0', () => {
      tf.tidy(() => {
        const x = tf.tensor2d([[1, 3, 2], [-4, -5, 0.5]]);
        assertAllClose(values(smoothMax(x, 1e-4)), [3, 0.5], 0, 1e-5, 'max');
        assertAllClose(values(smoothMin(x, 1e-4)), [1, -5], 0, 1e-5, 'min');
        assertAllClose(values(smoothMax(x, 1e-4, 0)), [1, 3, 2], 0, 1e-5, 'max over axis 0');
        assert.throws(() => smoothMax(x, 0), (e: unknown) => e instanceof DomainError && e.field === 'temperature');
        assert.throws(() => smoothMax(x, 1, 2), (e: unknown) => e instanceof DomainError && e.field === 'axis');
      });
    });
  });

  describe('softAssignment (Sinkhorn)', () => {
    it('gradients in the cost match finite differences (property)', () => {
      fc.assert(
        fc.property(arbTensorData([3, 3], 0, 1), (c) => {
          const cost = tf.tensor(c.values, c.shape);
          const w = tf.tensor2d([[1, 0, 2], [0.5, -1, 0], [0, 1, 3]]);
          assertGradOk(checkGrad((t) => tf.sum(tf.mul(softAssignment(leaf(t, 'cost'), 0.5, 60), w)), { cost }, { rtol: 3e-2, atol: 2e-3 }), 'Sinkhorn');
          cost.dispose();
          w.dispose();
        }),
        propertyParams(5, 507),
      );
    });

    it('returns a plan with rows summing to 1 and columns to n/m', () => {
      tf.tidy(() => {
        const cost = tf.tensor2d(Array.from(PRNGKey.fromSeed('sinkhorn-3x5').uniforms(15)), [3, 5]);
        const p = softAssignment(cost, 0.2, 200);
        assertAllClose(values(tf.sum(p, 1)), [1, 1, 1], 0, 1e-4, 'row sums');
        assertAllClose(values(tf.sum(p, 0)), new Array(5).fill(3 / 5), 0, 1e-4, 'column sums');
        assert.ok(values(p).every((v) => v >= 0), 'non-negative');
      });
    });

    it('becomes the optimal assignment (brute force over permutations) as T → 0, within the entropy bound', () => {
      const n = 5;
      const c = Array.from(PRNGKey.fromSeed('sinkhorn-5x5').uniforms(n * n));
      const perms = (k: number): number[][] => (k === 0 ? [[]] : perms(k - 1).flatMap((p) => Array.from({ length: k }, (_, i) => [...p.slice(0, i), k - 1, ...p.slice(i)])));
      const costOf = (p: number[]) => p.reduce((s, j, i) => s + c[i * n + j], 0);
      const all = perms(n).sort((a, b) => costOf(a) - costOf(b));
      const best = all[0];
      const cost = tf.tensor2d(c, [n, n]);
      for (const temp of [0.1, 0.02]) {
        const p = values(softAssignment(cost, temp, 600));
        const transport = p.reduce((s, v, k) => s + v * c[k], 0);
        assert.ok(transport - costOf(best) <= temp * n * Math.log(n) + 1e-4, `T=${temp}: cost ${transport} vs optimum ${costOf(best)}`);
      }
      cost.dispose();
      // A matching problem with a clear optimum (the cost gap ≫ T): the plan is the permutation matrix.
      const pi = [3, 0, 4, 2, 1];
      const noise = PRNGKey.fromSeed('sinkhorn-clear').uniforms(n * n);
      const c2 = Array.from({ length: n * n }, (_, k) => 0.3 * noise[k] + (pi[Math.floor(k / n)] === k % n ? 0 : 1));
      const plan = tf.tidy(() => values(softAssignment(tf.tensor2d(c2, [n, n]), 0.02, 200)));
      const best2 = perms(n).sort((a, b) => a.reduce((s, j, i) => s + c2[i * n + j], 0) - b.reduce((s, j, i) => s + c2[i * n + j], 0))[0];
      assert.deepEqual(best2, pi);
      plan.forEach((v, k) => assertClose(v, best2[Math.floor(k / n)] === k % n ? 1 : 0, 0, 1e-4, `plan[${Math.floor(k / n)}][${k % n}]`));
    });

    it('rejects a non-matrix cost and a bad temperature', () => {
      tf.tidy(() => {
        assert.throws(() => softAssignment(tf.tensor1d([1, 2]), 0.1), (e: unknown) => e instanceof ShapeMismatchError && e.field === 'cost');
        assert.throws(() => softAssignment(tf.tensor2d([[1]]), -1), (e: unknown) => e instanceof DomainError && e.field === 'temperature');
        assert.throws(() => softAssignment(tf.tensor2d([[1]]), 1, 0), (e: unknown) => e instanceof DomainError && e.field === 'iterations');
      });
    });
  });

  describe('straight-through rounding and clamping', () => {
    it('forward values equal round/floor/clamp, gradients are the identity (property)', () => {
      fc.assert(
        fc.property(arbTensorData([6], -4, 4), (d) => {
          const x = tf.tensor(d.values, d.shape);
          const w = tf.tensor1d([1, 2, 3, -1, 0.5, 4]);
          for (const [name, op, hard] of [
            ['stRound', stRound, (v: number) => values(tf.round(tf.scalar(v)))[0]],
            ['stFloor', stFloor, Math.floor],
            ['stClamp', (t: Tensor) => stClamp(t, -1, 2), (v: number) => Math.min(2, Math.max(-1, v))],
          ] as const) {
            const r = assertNoLeak(() => valueAndGrad((t: T) => tf.sum(tf.mul(op(leaf(t, 'x')), w)))({ x }), name);
            assertClose(r.value, d.values.reduce((s, v, i) => s + hard(Math.fround(v)) * values(w)[i], 0), 0, 1e-4, `${name} value`);
            assert.deepEqual((r.grad as { x: number[] }).x, [1, 2, 3, -1, 0.5, 4], `${name} gradient`);
          }
          x.dispose();
          w.dispose();
        }),
        propertyParams(10, 508),
      );
      assert.throws(() => stClamp(tf.scalar(1), 2, 1), (e: unknown) => e instanceof DomainError);
    });
  });
});
