/**
 * The cpu bridge for kernels the wasm backend lacks: every bridged kernel
 * gives the same forward values (and, where tfjs defines one, the same
 * gradient) on wasm as on the cpu backend itself.
 */
import assert from 'node:assert/strict';
import { tf, selectBackend, backendInfo, PRNGKey } from '../../src/autodiff/index.js';
import { bridgedKernels } from '../../src/autodiff/wasm-fallback.js';

type Out = (number | string)[];
interface Case {
  /** Runs the kernel (and its gradient where tfjs has one); returns flat outputs. */
  run: () => Record<string, Out>;
}

const rnd = (seed: string, n: number, lo = -1, hi = 1) => Array.from(PRNGKey.fromSeed(seed).uniforms(n), (u) => Math.fround(lo + (hi - lo) * u));
const flat = (t: tf.Tensor): Out => Array.from(t.dataSync() as ArrayLike<number>);

// Canvas stand-ins for tf.browser.draw (Node has no canvas): record the pixels drawn.
let drawn: number[] = [];
const canvas = { width: 0, height: 0, getContext: () => ({ putImageData: (d: { data: Uint8ClampedArray }) => (drawn = Array.from(d.data)) }) };

const cases: Record<string, Case> = {
  UnsortedSegmentSum: {
    run: () => tf.tidy(() => {
      const x = tf.tensor2d(rnd('uss', 12), [6, 2]);
      const ids = tf.tensor1d([0, 2, 2, 1, 0, 3], 'int32');
      const w = tf.tensor2d(rnd('uss-w', 8), [4, 2]);
      const idx = tf.tensor1d([3, 0, 3, 5, 1], 'int32');
      return {
        forward: flat(tf.unsortedSegmentSum(x, ids, 4)),
        'grad of unsortedSegmentSum': flat(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.unsortedSegmentSum(v, ids, 4), w)))(x)),
        'grad of gather (uses UnsortedSegmentSum)': flat(tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.gather(v, idx))))(x)),
      };
    }),
  },
  Conv2DBackpropFilter: {
    run: () => tf.tidy(() => {
      const x = tf.tensor4d(rnd('c2d-x', 2 * 7 * 6 * 3), [2, 7, 6, 3]);
      const f = tf.tensor4d(rnd('c2d-f', 3 * 2 * 3 * 4), [3, 2, 3, 4]);
      const w = tf.tensor4d(rnd('c2d-w', 2 * 4 * 3 * 4), [2, 4, 3, 4]);
      const loss = (xx: tf.Tensor4D, ff: tf.Tensor4D) => tf.sum(tf.mul(tf.conv2d(xx, ff, [2, 2], 'same'), w));
      const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a as tf.Tensor4D, b as tf.Tensor4D))([x, f]);
      return { 'filter gradient': flat(gf), 'input gradient': flat(gx) };
    }),
  },
  DepthwiseConv2dNativeBackpropFilter: {
    run: () => tf.tidy(() => {
      const x = tf.tensor4d(rnd('dw-x', 2 * 6 * 6 * 2), [2, 6, 6, 2]);
      const f = tf.tensor4d(rnd('dw-f', 3 * 3 * 2 * 2), [3, 3, 2, 2]);
      const gf = tf.grad((ff: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(x, ff as tf.Tensor4D, 1, 'valid'))))(f);
      return { 'filter gradient': flat(gf) };
    }),
  },
  DepthwiseConv2dNativeBackpropInput: {
    run: () => tf.tidy(() => {
      const x = tf.tensor4d(rnd('dwi-x', 1 * 7 * 5 * 3), [1, 7, 5, 3]);
      const f = tf.tensor4d(rnd('dwi-f', 2 * 2 * 3 * 1), [2, 2, 3, 1]);
      const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.sin(tf.depthwiseConv2d(xx as tf.Tensor4D, f, [2, 1], 'same'))))(x);
      return { 'input gradient': flat(gx) };
    }),
  },
  FFT: {
    run: () => tf.tidy(() => {
      const c = tf.complex(tf.tensor2d(rnd('fft-re', 24), [3, 8]), tf.tensor2d(rnd('fft-im', 24), [3, 8]));
      return { fft: flat(tf.spectral.fft(c)), rfft: flat(tf.spectral.rfft(tf.tensor1d(rnd('rfft', 16)))) };
    }),
  },
  IFFT: {
    run: () => tf.tidy(() => {
      const c = tf.complex(tf.tensor1d(rnd('ifft-re', 10)), tf.tensor1d(rnd('ifft-im', 10)));
      const roundTrip = tf.spectral.ifft(tf.spectral.fft(c));
      return { ifft: flat(tf.spectral.ifft(c)), 'ifft(fft(x))': flat(roundTrip), irfft: flat(tf.spectral.irfft(c)) };
    }),
  },
  Complex: { run: () => tf.tidy(() => ({ complex: flat(tf.complex([1.5, -2, 0.25], [3, 4, -1])) })) },
  Real: { run: () => tf.tidy(() => ({ real: flat(tf.real(tf.complex(rnd('re-re', 6), rnd('re-im', 6)))) })) },
  Imag: { run: () => tf.tidy(() => ({ imag: flat(tf.imag(tf.complex(rnd('im-re', 6), rnd('im-im', 6)))) })) },
  ComplexAbs: { run: () => tf.tidy(() => ({ abs: flat(tf.abs(tf.complex([3, -1, 0, 1e-3], [4, 1, -2, 1e-3]))) })) },
  Einsum: {
    run: () => tf.tidy(() => {
      const a = tf.tensor2d(rnd('ein-a', 12), [3, 4]);
      const b = tf.tensor2d(rnd('ein-b', 20), [4, 5]);
      const c = tf.tensor3d(rnd('ein-c', 24), [2, 3, 4]);
      return {
        'ij,jk->ik': flat(tf.einsum('ij,jk->ik', a, b)),
        'bij,jk->bik': flat(tf.einsum('bij,jk->bik', c, b)),
        'ij->ji': flat(tf.einsum('ij->ji', a)),
        'ij,ij->i': flat(tf.einsum('ij,ij->i', a, a)),
        // gradients (src/autodiff/einsum-gradient.ts)
        'grad bij,jk->bik': tf.grads((cc: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(tf.einsum('bij,jk->bik', cc, bb))))([c, b]).flatMap(flat),
        'grad ij->j (summed index)': flat(tf.grad((aa: tf.Tensor) => tf.sum(tf.mul(tf.einsum('ij->j', aa), tf.tensor1d([1, -2, 3, 0.5]))))(a)),
      };
    }),
  },
  RaggedGather: {
    run: () => tf.tidy(() => {
      const r = tf.raggedGather([tf.tensor1d([0, 2, 3, 5], 'int32')], tf.tensor1d([1.5, 2, 3, 4, 5]), tf.tensor1d([2, 0, 1], 'int32'), 1);
      return { splits: flat(r.outputNestedSplits[0]), values: flat(r.outputDenseValues) };
    }),
  },
  RaggedRange: {
    run: () => tf.tidy(() => {
      const r = tf.raggedRange(tf.tensor1d([0, 5, -2], 'int32'), tf.tensor1d([3, 7, 4], 'int32'), tf.tensor1d([1, 1, 3], 'int32'));
      return { splits: flat(r.rtNestedSplits), values: flat(r.rtDenseValues) };
    }),
  },
  RaggedTensorToTensor: {
    run: () => tf.tidy(() => ({
      dense: flat(tf.raggedTensorToTensor(tf.tensor1d([3, 2], 'int32'), tf.tensor1d([1, 2, 3, 4, 5]), tf.scalar(-1), [tf.tensor1d([0, 2, 4, 5], 'int32')], ['ROW_SPLITS'])),
    })),
  },
  StaticRegexReplace: {
    run: () => tf.tidy(() => ({ replaced: Array.from(tf.string.staticRegexReplace(tf.tensor1d(['drift', 'lifetime', 'efield']), 'i', 'I').dataSync() as unknown as string[]) })),
  },
  Draw: {
    run: () => tf.tidy(() => {
      (globalThis as { ImageData?: unknown }).ImageData ??= class {
        constructor(readonly data: Uint8ClampedArray, readonly width: number, readonly height: number) {}
      };
      drawn = [];
      tf.browser.draw(tf.tensor3d(rnd('draw', 4 * 3 * 3, 0, 1), [4, 3, 3]), canvas as unknown as HTMLCanvasElement);
      return { pixels: drawn };
    }),
  },
};

/** Not bridged but patched on wasm (transposed products, shared-data clones): checked the same way. */
const patched: Record<string, Case> = {
  'BatchMatMul with transpose flags': {
    run: () => tf.tidy(() => {
      const out: Record<string, Out> = {};
      for (const [ta, tb] of [[true, false], [false, true], [true, true]]) {
        const a = tf.tensor3d(rnd(`mm-a-${ta}${tb}`, 2 * 5 * 7), ta ? [2, 5, 7] : [2, 7, 5]);
        const b = tf.tensor3d(rnd(`mm-b-${ta}${tb}`, 2 * 5 * 3), tb ? [2, 3, 5] : [2, 5, 3]);
        out[`forward ${ta} ${tb}`] = flat(tf.matMul(a, b, ta, tb));
      }
      return out;
    }),
  },
  'MLP gradient (saved clones, transposed products in the backward pass)': {
    run: () => tf.tidy(() => {
      const x = tf.tensor2d(rnd('mlp-x', 32 * 6), [32, 6]);
      const ps = [tf.tensor2d(rnd('mlp-w1', 6 * 8), [6, 8]), tf.tensor1d(rnd('mlp-b1', 8)), tf.tensor2d(rnd('mlp-w2', 8 * 2), [8, 2]), tf.tensor1d(rnd('mlp-b2', 2))];
      const f = (w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) => tf.sum(tf.square(tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, w1), b1)), w2), b2))) as tf.Scalar;
      const r = tf.valueAndGrads(f as (...a: tf.Tensor[]) => tf.Scalar)(ps);
      return Object.fromEntries([['value', flat(r.value)], ...r.grads.map((g, i) => [`grad ${i}`, flat(g)])]);
    }),
  },
};

describe('wasm bridge: cpu kernels supplied to the wasm backend', () => {
  const results: Record<'cpu' | 'wasm', Record<string, Record<string, Out>>> = { cpu: {}, wasm: {} };
  const ran: Record<string, string[]> = {};

  before(async () => {
    assert.equal(backendInfo().backend, 'wasm', 'the suite runs on the wasm backend');
    await selectBackend('cpu');
    for (const [name, c] of Object.entries({ ...cases, ...patched })) results.cpu[name] = c.run();
    await selectBackend('wasm');
    for (const [name, c] of Object.entries(patched)) results.wasm[name] = c.run();
    for (const [name, c] of Object.entries(cases)) {
      let out: Record<string, Out> = {};
      const profile = await tf.profile(() => {
        out = c.run();
      });
      results.wasm[name] = out;
      ran[name] = profile.kernelNames;
    }
  });

  after(async () => {
    if (tf.getBackend() !== 'wasm') await selectBackend('wasm');
  });

  it('bridges at least the kernels diffhep relies on, and every bridged kernel has a case here', () => {
    const bridged = bridgedKernels();
    for (const k of ['UnsortedSegmentSum', 'Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'FFT', 'IFFT', 'Complex', 'Real', 'Imag', 'ComplexAbs', 'Einsum']) {
      assert.ok(bridged.includes(k), `${k} is not bridged (bridged: ${bridged.join(', ')})`);
    }
    const missing = bridged.filter((k) => !(k in cases));
    assert.deepEqual(missing, [], `bridged kernels without a cpu-vs-wasm case: ${missing.join(', ')}`);
  });

  for (const name of Object.keys(cases)) {
    it(`${name}: wasm (through the bridge) agrees with cpu`, () => {
      assert.ok(ran[name].includes(name), `the ${name} kernel did not run on wasm (ran: ${ran[name].join(', ')})`);
      const cpu = results.cpu[name];
      const wasm = results.wasm[name];
      assert.deepEqual(Object.keys(wasm), Object.keys(cpu));
      for (const [k, ref] of Object.entries(cpu)) {
        const got = wasm[k];
        assert.ok(ref.length > 0, `${name} ${k}: no output`);
        assert.equal(got.length, ref.length, `${name} ${k}: length`);
        ref.forEach((r, i) => {
          const g = got[i];
          if (typeof r === 'string') assert.equal(g, r, `${name} ${k}[${i}]`);
          else assert.ok(Math.abs((g as number) - r) <= 1e-5 * (1 + Math.abs(r)), `${name} ${k}[${i}]: wasm ${g} vs cpu ${r}`);
        });
      }
    });
  }

  for (const name of Object.keys(patched)) {
    it(`${name}: wasm agrees with cpu`, () => {
      for (const [k, ref] of Object.entries(results.cpu[name])) {
        const got = results.wasm[name][k];
        assert.equal(got.length, ref.length, `${name} ${k}: length`);
        ref.forEach((r, i) => assert.ok(Math.abs((got[i] as number) - (r as number)) <= 1e-5 * (1 + Math.abs(r as number)), `${name} ${k}[${i}]: wasm ${got[i]} vs cpu ${r}`));
      }
    });
  }

  it('reads a complex tensor on wasm as interleaved (re, im) pairs, and the bridge leaves no data on the cpu backend', () => {
    const cpu = tf.engine().findBackend('cpu') as unknown as { numDataIds(): number };
    const before = cpu.numDataIds();
    const c = tf.complex([1.5, -2, 0], [0.5, 3, -7]);
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(c.dtype, 'complex64');
    assert.deepEqual(Array.from(c.dataSync()), [1.5, 0.5, -2, 3, 0, -7]);
    const abs = tf.abs(c);
    assert.deepEqual(Array.from(abs.dataSync()), [Math.fround(Math.hypot(1.5, 0.5)), Math.fround(Math.hypot(2, 3)), 7]);
    c.dispose();
    abs.dispose();
    assert.equal(cpu.numDataIds(), before, 'cpu-side copies were not released');
  });
});
