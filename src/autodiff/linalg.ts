/**
 * Small dense linear algebra in float64 on plain arrays, for the matrices a fit
 * handles (Hessians, covariances of tens to hundreds of parameters). tfjs has
 * no solver and works in float32; a covariance wants float64.
 */
import { DiffhepError } from './errors.js';

/** Pivots below this fraction of the matrix's scale count as zero (singular to float64 precision). */
const SINGULAR_RTOL = 1e-13;

/** A dense matrix as rows. */
export type Matrix = number[][];

/** n x n identity. */
export function identity(n: number): Matrix {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

/** Matrix-vector product. */
export function matVec(a: Matrix, v: ArrayLike<number>): number[] {
  return a.map((row) => row.reduce((s, aij, j) => s + aij * v[j], 0));
}

/** Dot product. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** (A + A^T)/2. */
export function symmetrize(a: Matrix): Matrix {
  return a.map((row, i) => row.map((v, j) => 0.5 * (v + a[j][i])));
}

/** Cholesky factor L (A = L L^T) or null when A is not positive definite. */
export function cholesky(a: Matrix): Matrix | null {
  const n = a.length;
  const l: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      if (i === j) {
        // A pivot lost to rounding (s ~ ε·a_ii) means A is singular to float64 precision, not PD.
        if (!(s > SINGULAR_RTOL * Math.abs(a[i][i]))) return null;
        l[i][i] = Math.sqrt(s);
      } else l[i][j] = s / l[j][j];
    }
  }
  return l;
}

/** LU decomposition with partial pivoting; throws on a singular matrix. */
function luDecompose(a: Matrix): { lu: Matrix; perm: number[] } {
  const n = a.length;
  const lu = a.map((r) => r.slice());
  const perm = Array.from({ length: n }, (_, i) => i);
  const scale = Math.max(0, ...a.map((r) => Math.max(...r.map(Math.abs))));
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(lu[i][k]) > Math.abs(lu[p][k])) p = i;
    if (!(Math.abs(lu[p][k]) > SINGULAR_RTOL * scale) || !Number.isFinite(lu[p][k])) throw new DiffhepError(`singular matrix (pivot ${k} is ${lu[p][k]})`, 'matrix');
    [lu[k], lu[p]] = [lu[p], lu[k]];
    [perm[k], perm[p]] = [perm[p], perm[k]];
    for (let i = k + 1; i < n; i++) {
      lu[i][k] /= lu[k][k];
      for (let j = k + 1; j < n; j++) lu[i][j] -= lu[i][k] * lu[k][j];
    }
  }
  return { lu, perm };
}

function isSymmetric(a: Matrix): boolean {
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < i; j++) if (Math.abs(a[i][j] - a[j][i]) > 1e-12 * Math.max(Math.abs(a[i][j]), Math.abs(a[j][i]), 1e-300)) return false;
  }
  return true;
}

/** Solves A x = b (Cholesky when A is SPD, else LU with pivoting). */
export function solve(a: Matrix, b: ArrayLike<number>): number[] {
  const n = a.length;
  // Cholesky reads only the lower triangle, so it is valid only for a symmetric A.
  const l = isSymmetric(a) ? cholesky(a) : null;
  if (l) {
    const y = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      let s = b[i];
      for (let k = 0; k < i; k++) s -= l[i][k] * y[k];
      y[i] = s / l[i][i];
    }
    const x = new Array<number>(n);
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i];
      for (let k = i + 1; k < n; k++) s -= l[k][i] * x[k];
      x[i] = s / l[i][i];
    }
    return x;
  }
  const { lu, perm } = luDecompose(a);
  const y = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let s = b[perm[i]];
    for (let k = 0; k < i; k++) s -= lu[i][k] * y[k];
    y[i] = s;
  }
  const x = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= lu[i][k] * x[k];
    x[i] = s / lu[i][i];
  }
  return x;
}

/** Inverse of a square matrix. */
export function inverse(a: Matrix): Matrix {
  const n = a.length;
  const cols = identity(n).map((e) => solve(a, e));
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => cols[j][i]));
}

/** Correlation matrix from a covariance. */
export function correlation(cov: Matrix): Matrix {
  const s = cov.map((r, i) => Math.sqrt(r[i]));
  return cov.map((r, i) => r.map((v, j) => v / (s[i] * s[j])));
}

/** Eigenvalues of a symmetric matrix (Jacobi rotations), ascending. */
export function symmetricEigenvalues(a: Matrix, sweeps = 100): number[] {
  const n = a.length;
  const m = symmetrize(a);
  for (let sweep = 0; sweep < sweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p][q] * m[p][q];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(m[p][q]) < 1e-300) continue;
        const theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k][p];
          const mkq = m[k][q];
          m[k][p] = c * mkp - s * mkq;
          m[k][q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p][k];
          const mqk = m[q][k];
          m[p][k] = c * mpk - s * mqk;
          m[q][k] = s * mpk + c * mqk;
        }
      }
    }
  }
  return m.map((r, i) => r[i]).sort((x, y) => x - y);
}
