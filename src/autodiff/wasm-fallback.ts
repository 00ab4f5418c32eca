/**
 * Generic supply of the kernels the wasm backend lacks.
 *
 * The wasm backend implements a subset of the cpu backend's kernels; among the
 * missing ones are UnsortedSegmentSum (the gradient of gather), the filter and
 * input gradients of convolutions, FFT, complex numbers and Einsum. Rather than
 * writing each again, every kernel that the cpu backend has and the wasm backend
 * does not is bridged: inputs are copied from the wasm heap into the cpu
 * backend, the cpu kernel runs, and its outputs are copied back. The copies are
 * linear in the tensor sizes, so a bridged kernel costs about what the cpu
 * kernel costs. Complex tensors are stored on the wasm heap as interleaved
 * (re, im) float32 pairs, which is what tfjs-core's `bytesPerElement` assumes.
 */
import { tf } from './tf.js';

type TensorInfo = { dataId: object; shape: number[]; dtype: string };
type KernelFunc = (args: { inputs: unknown; attrs?: unknown; backend: unknown }) => TensorInfo | TensorInfo[];

interface WasmData {
  memoryOffset: number;
  dtype: string;
  shape: number[];
}
interface WasmLike {
  dataIdMap: { get(id: object): WasmData };
  wasm: { HEAPU8: Uint8Array };
  readSync(id: object, start?: number, end?: number): unknown;
  write(values: ArrayLike<number> | null, shape: number[], dtype: string): object;
}
interface CpuLike {
  readSync(id: object): ArrayLike<number>;
  write(values: ArrayLike<number>, shape: number[], dtype: string): object;
  disposeData(id: object, force?: boolean): boolean;
  firstUse?: boolean;
}

const BRIDGED = new Set<string>();
let patchedProto: object | null = null;

/** Teach the wasm backend to read complex64 tensors (interleaved float32 pairs). */
function patchComplexRead(backend: WasmLike): void {
  const proto = Object.getPrototypeOf(backend) as WasmLike;
  if (patchedProto === proto) return;
  const original = proto.readSync;
  proto.readSync = function (this: WasmLike, dataId: object, start?: number, end?: number) {
    const d = this.dataIdMap.get(dataId);
    if (d && d.dtype === 'complex64') {
      const n = d.shape.reduce((a, b) => a * b, 1);
      const s = start ?? 0;
      const e = end ?? n;
      const bytes = this.wasm.HEAPU8.slice(d.memoryOffset + s * 8, d.memoryOffset + e * 8);
      return new Float32Array(bytes.buffer);
    }
    return original.call(this, dataId, start, end);
  };
  patchedProto = proto;
}

function cpuBackend(): CpuLike {
  const cpu = tf.engine().findBackend('cpu') as unknown as CpuLike | null;
  if (!cpu) throw new Error('the cpu backend is not available to supply a missing wasm kernel');
  cpu.firstUse = false; // no console banner from the bridge
  return cpu;
}

function toCpu(info: TensorInfo, wasm: WasmLike, cpu: CpuLike, temps: TensorInfo[]): TensorInfo {
  const values = wasm.readSync(info.dataId) as Float32Array | Int32Array | Uint8Array;
  if (info.dtype === 'complex64') {
    const n = values.length / 2;
    const re = new Float32Array(n);
    const im = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      re[i] = values[2 * i];
      im[i] = values[2 * i + 1];
    }
    const reInfo = { dataId: cpu.write(re, info.shape, 'float32'), shape: info.shape, dtype: 'float32' };
    const imInfo = { dataId: cpu.write(im, info.shape, 'float32'), shape: info.shape, dtype: 'float32' };
    const complexKernel = tf.getKernel('Complex', 'cpu').kernelFunc as unknown as KernelFunc;
    const out = complexKernel({ inputs: { real: reInfo, imag: imInfo }, backend: cpu }) as TensorInfo;
    cpu.disposeData(reInfo.dataId);
    cpu.disposeData(imInfo.dataId);
    temps.push(out);
    return out;
  }
  const out = { dataId: cpu.write(values, info.shape, info.dtype), shape: info.shape, dtype: info.dtype };
  temps.push(out);
  return out;
}

function bridge(kernelName: string): void {
  const cpuKernel = tf.getKernel(kernelName, 'cpu');
  const kernelFunc = cpuKernel.kernelFunc as unknown as KernelFunc;
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    kernelFunc: ((args: { inputs: unknown; attrs?: unknown; backend: unknown }) => {
      const wasm = args.backend as WasmLike;
      patchComplexRead(wasm);
      const cpu = cpuBackend();
      const temps: TensorInfo[] = [];
      let cpuInputs: unknown;
      if (Array.isArray(args.inputs)) {
        cpuInputs = (args.inputs as TensorInfo[]).map((t) => toCpu(t, wasm, cpu, temps));
      } else {
        // Named inputs may hold lists of tensors (the row partitions of ragged kernels).
        const m: Record<string, TensorInfo | TensorInfo[]> = {};
        for (const [k, t] of Object.entries(args.inputs as Record<string, TensorInfo | TensorInfo[] | null>)) {
          if (Array.isArray(t)) m[k] = t.map((ti) => toCpu(ti, wasm, cpu, temps));
          else if (t != null) m[k] = toCpu(t, wasm, cpu, temps);
        }
        cpuInputs = m;
      }
      const out = kernelFunc({ inputs: cpuInputs, attrs: args.attrs, backend: cpu });
      const outs = Array.isArray(out) ? out : [out];
      const back = outs.map((o) => {
        const values = cpu.readSync(o.dataId);
        return { dataId: wasm.write(values, o.shape, o.dtype), shape: o.shape, dtype: o.dtype };
      });
      for (const o of outs) cpu.disposeData(o.dataId);
      for (const t of temps) cpu.disposeData(t.dataId);
      return Array.isArray(out) ? back : back[0];
    }) as never,
  });
  BRIDGED.add(kernelName);
}

let matMulPatched = false;

/**
 * The wasm BatchMatMul is 3–20× slower with its transposeA/transposeB flags
 * than an explicit Transpose followed by a plain product (measured on
 * 256×64 · 64×32, the shapes of an MLP's backward pass, which uses the flags
 * for every weight and input gradient). This runs flagged products as
 * transpose + plain product. Idempotent.
 */
function speedUpTransposedMatMul(): void {
  if (matMulPatched) return;
  const config = tf.getKernel('BatchMatMul', 'wasm');
  const transposeConfig = tf.getKernel('Transpose', 'wasm');
  if (!config || !transposeConfig) return;
  const matMul = config.kernelFunc as unknown as KernelFunc;
  const transpose = transposeConfig.kernelFunc as unknown as KernelFunc;
  type Args = { inputs: { a: TensorInfo; b: TensorInfo }; attrs: { transposeA: boolean; transposeB: boolean }; backend: { disposeData(id: object): boolean } };
  const swapLast = (t: TensorInfo, backend: unknown): TensorInfo => {
    const perm = t.shape.map((_, i) => i);
    [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
    return transpose({ inputs: { x: t }, attrs: { perm }, backend }) as TensorInfo;
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    ...config,
    kernelFunc: ((args: Args) => {
      const { transposeA, transposeB } = args.attrs;
      if (!transposeA && !transposeB) return matMul(args as never);
      const a = transposeA ? swapLast(args.inputs.a, args.backend) : args.inputs.a;
      const b = transposeB ? swapLast(args.inputs.b, args.backend) : args.inputs.b;
      try {
        return matMul({ inputs: { a, b }, attrs: { ...args.attrs, transposeA: false, transposeB: false }, backend: args.backend });
      } finally {
        if (transposeA) args.backend.disposeData(a.dataId);
        if (transposeB) args.backend.disposeData(b.dataId);
      }
    }) as never,
  });
  matMulPatched = true;
}

let clonePatched = false;

/**
 * Every tensor the tape saves for the backward pass is a clone, and on wasm a
 * clone (the Identity kernel) copies the data: an MLP's forward pass under a
 * gradient made as many copies as it ran kernels. Tensors are immutable, so
 * on wasm a saved clone shares the data (reference-counted, as wasm's own
 * Reshape does). Idempotent.
 */
function shareDataOnClone(): void {
  if (clonePatched) return;
  type T = { dataId: object; shape: number[]; dtype: string };
  type Engine = {
    backendName: string;
    backend: { incRef(id: object): void };
    state: { tensorInfo: Map<object, { backend: unknown }>; activeScope: { name: string } };
    clone(x: T): T;
    makeTensorFromDataId(id: object, shape: number[], dtype: string, backend: unknown): T;
    runKernel(name: string, inputs: object, attrs?: object): T;
    addTapeNode(name: string, inputs: object, outputs: T[], grad: (dy: T) => object, saved: T[], attrs: object): void;
  };
  const engine = tf.engine() as unknown as Engine;
  const clone = engine.clone;
  engine.clone = function (this: Engine, x: T) {
    const backend = this.backendName === 'wasm' ? this.backend : null;
    if (!backend || this.state.tensorInfo.get(x.dataId)?.backend !== backend) return clone.call(this, x);
    // What tfjs's clone does, with the data shared (as wasm's Reshape shares it) instead of copied,
    // and without a kernel launch.
    backend.incRef(x.dataId);
    const y = this.makeTensorFromDataId(x.dataId, x.shape, x.dtype, backend);
    const grad = (dy: T) => ({ x: () => this.runKernel('Cast', { x: dy }, { dtype: 'float32' }) });
    this.addTapeNode(this.state.activeScope.name, { x }, [y], grad, [], {});
    return y;
  };
  clonePatched = true;
}

/**
 * Registers, for the wasm backend, every kernel the cpu backend has and the
 * wasm backend lacks, and speeds up transposed matrix products. Idempotent.
 * Returns the names of the bridged kernels.
 */
export function supplyMissingWasmKernels(): string[] {
  speedUpTransposedMatMul();
  shareDataOnClone();
  const have = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (!have.has(k.kernelName) && !BRIDGED.has(k.kernelName)) bridge(k.kernelName);
  }
  return [...BRIDGED].sort();
}

/** The kernels currently supplied to the wasm backend by the bridge. */
export function bridgedKernels(): string[] {
  return [...BRIDGED].sort();
}
