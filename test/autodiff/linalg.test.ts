/** Float64 dense linear algebra: solve, inverse, Cholesky, eigenvalues, singular matrices. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { linalg, DiffhepError } from '../../src/autodiff/index.js';
import { propertyParams, arbFloat32 } from '../../src/autodiff/testing/index.js';
import { assertAllClose } from './helpers.js';

describe('linalg', () => {
  it('solve and inverse invert random well-conditioned matrices, SPD or not (property)', () => {
    fc.assert(
      fc.property(fc.array(arbFloat32(-1, 1), { minLength: 16, maxLength: 16 }), fc.array(arbFloat32(-5, 5), { minLength: 4, maxLength: 4 }), fc.boolean(), (m, b, spd) => {
        const B = [0, 1, 2, 3].map((i) => m.slice(4 * i, 4 * i + 4));
        // SPD: BᵀB + 4I; general: B + 4I (diagonally dominant)
        const A = spd ? B.map((_, i) => B.map((__, j) => B.reduce((s, r) => s + r[i] * r[j], 0) + (i === j ? 4 : 0))) : B.map((r, i) => r.map((v, j) => v + (i === j ? 4 : 0)));
        const x = linalg.solve(A, b);
        assertAllClose(linalg.matVec(A, x), b, 1e-12, 1e-12, 'A x = b');
        const inv = linalg.inverse(A);
        const I = A.map((r) => inv[0].map((_, j) => r.reduce((s, v, k) => s + v * inv[k][j], 0)));
        I.forEach((r, i) => assertAllClose(r, linalg.identity(4)[i], 1e-12, 1e-12, `A A⁻¹ row ${i}`));
        if (spd) {
          const L = linalg.cholesky(A)!;
          A.forEach((r, i) => assertAllClose(r, r.map((_, j) => L[i].reduce((s, v, k) => s + v * L[j][k], 0)), 1e-12, 1e-12, `L Lᵀ row ${i}`));
        }
      }),
      propertyParams(25, 701),
    );
  });

  it('throws on singular matrices, also when rounding hides the zero pivot', () => {
    for (const A of [
      [
        [2, 2],
        [2, 2],
      ],
      [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ],
      [
        [0, 0],
        [0, 0],
      ],
    ]) {
      assert.equal(linalg.cholesky(A), null);
      assert.throws(() => linalg.solve(A, A.map(() => 1)), (e: unknown) => e instanceof DiffhepError && /singular/.test(e.message));
    }
  });

  it('symmetricEigenvalues and correlation on known matrices', () => {
    assertAllClose(linalg.symmetricEigenvalues([[2, 1], [1, 2]]), [1, 3], 1e-12, 1e-12, 'eigenvalues');
    assertAllClose(linalg.symmetricEigenvalues([[4, 1, 0], [1, 3, 1], [0, 1, 2]]), [3 - Math.sqrt(3), 3, 3 + Math.sqrt(3)], 1e-12, 1e-12, 'tridiagonal');
    const c = linalg.correlation([[4, 2], [2, 9]]);
    assertAllClose(c.flat(), [1, 1 / 3, 1 / 3, 1], 1e-14, 0, 'correlation');
  });
});
