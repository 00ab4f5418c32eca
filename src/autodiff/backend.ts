/**
 * Run-time choice of the tensor backend. Code in diffhep never names a
 * backend: it calls `ready()` (done once when `diffhep/autodiff` is imported),
 * which picks, in order, `tensorflow` (tfjs-node-gpu, then tfjs-node, when a
 * user has installed them and they work), `wasm` (embedded), then `cpu`.
 * `DIFFHEP_BACKEND` (or the CLI's `--backend`) forces a choice.
 */
import { createRequire } from 'node:module';
import { tf } from './tf.js';
import { supplyMissingWasmKernels } from './wasm-fallback.js';
import { installTapeOrdering } from './nested-tape.js';
import { registerMissingGradients } from './missing-gradients.js';
import { DiffhepError } from './errors.js';

/** A backend name diffhep knows how to pick. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** One attempt at starting a backend. */
export interface BackendAttempt {
  name: string;
  ok: boolean;
  reason?: string;
}

/** What `ready()` chose, what it tried, and the versions involved. */
export interface BackendInfo {
  backend: string;
  tried: BackendAttempt[];
  versions: Record<string, string>;
}

const ORDER: BackendName[] = ['tensorflow', 'wasm', 'cpu'];
let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

function silenceBanners(): void {
  // The cpu backend prints a banner on first use in Node; the wasm bridge and
  // the cpu fallback use it silently.
  const cpu = tf.engine().findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

async function tryTensorflow(tried: BackendAttempt[]): Promise<boolean> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(pkg);
      const ok = await tf.setBackend('tensorflow');
      if (ok) {
        // A smoke test: a backend that imports but cannot run is not chosen.
        tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)).dataSync());
        tried.push({ name: `tensorflow (${pkg})`, ok: true });
        return true;
      }
      tried.push({ name: `tensorflow (${pkg})`, ok: false, reason: 'setBackend returned false' });
    } catch (e) {
      tried.push({ name: `tensorflow (${pkg})`, ok: false, reason: firstLine(e) });
    }
  }
  return false;
}

/**
 * The wasm glue code installs process handlers that rethrow any uncaught
 * error from inside its own source, which then prints a megabyte of minified
 * code instead of the error. They are removed once the backend is up.
 */
function removeGlueHandlers(): void {
  for (const ev of ['uncaughtException', 'unhandledRejection'] as const) {
    for (const l of process.listeners(ev)) {
      const src = String(l);
      if (src.includes('ExitStatus') || /^function\s*\((ex|reason)\)\s*\{\s*(if\s*\(!\(ex instanceof ExitStatus\)\)\s*\{\s*)?throw (ex|reason)/.test(src)) {
        process.removeListener(ev, l as (...a: unknown[]) => void);
      }
    }
  }
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0].slice(0, 200);
}

async function tryNamed(name: 'wasm' | 'cpu', tried: BackendAttempt[]): Promise<boolean> {
  try {
    if (name === 'wasm') supplyMissingWasmKernels();
    const ok = await tf.setBackend(name);
    await tf.ready();
    if (ok) {
      tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)).dataSync());
      tried.push({ name, ok: true });
      return true;
    }
    tried.push({ name, ok: false, reason: 'setBackend returned false' });
  } catch (e) {
    tried.push({ name, ok: false, reason: firstLine(e) });
  }
  return false;
}

function versions(): Record<string, string> {
  const v: Record<string, string> = { node: process.versions.node };
  const req = createRequire(import.meta.url);
  for (const pkg of ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    try {
      v[pkg] = (req(`${pkg}/package.json`) as { version: string }).version;
    } catch {
      /* not installed */
    }
  }
  // src/autodiff in a checkout, dist/src/autodiff in the package
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = req(rel) as { name?: string; version: string };
      if (pkg.name === 'diffhep') {
        v.diffhep = pkg.version;
        break;
      }
    } catch {
      /* not at this depth */
    }
  }
  return v;
}

/**
 * Choose and start a backend. With no argument, `DIFFHEP_BACKEND` decides if
 * set, else the first of tensorflow, wasm, cpu that works. Forcing a backend
 * that does not start is an error, never a silent fallback.
 */
export async function selectBackend(name?: string): Promise<BackendInfo> {
  const forced = name ?? process.env.DIFFHEP_BACKEND;
  const tried: BackendAttempt[] = [];
  silenceBanners();
  supplyMissingWasmKernels();
  installTapeOrdering();
  registerMissingGradients();
  if (forced) {
    if (!(ORDER as string[]).includes(forced)) {
      throw new DiffhepError(`unknown backend '${forced}' (DIFFHEP_BACKEND or --backend): choose one of ${ORDER.join(', ')}`, 'backend');
    }
    const ok = forced === 'tensorflow' ? await tryTensorflow(tried) : await tryNamed(forced as 'wasm' | 'cpu', tried);
    if (!ok) {
      throw new DiffhepError(`backend '${forced}' could not start: ${tried.map((t) => `${t.name}: ${t.reason}`).join('; ')}`, 'backend');
    }
  } else {
    let ok = await tryTensorflow(tried);
    if (!ok) ok = await tryNamed('wasm', tried);
    if (!ok) ok = await tryNamed('cpu', tried);
    if (!ok) throw new DiffhepError(`no backend could start: ${JSON.stringify(tried)}`, 'backend');
  }
  silenceBanners();
  removeGlueHandlers();
  current = { backend: tf.getBackend(), tried, versions: versions() };
  return current;
}

/** Start the default backend once; later calls return the same choice. */
export function ready(): Promise<BackendInfo> {
  if (current && current.backend === tf.getBackend()) return Promise.resolve(current);
  if (!pending) pending = selectBackend().finally(() => (pending = null));
  return pending;
}

/** The backend in use, as chosen by `ready()` or `selectBackend()`. */
export function backendInfo(): BackendInfo {
  return current ?? { backend: tf.getBackend(), tried: [], versions: versions() };
}
