/**
 * trigger-fpga: the hls4ml jet-tagging network (16 → 64 → 32 → 32 → 5, ReLU,
 * softmax) on jets from our own generator (dataset.ts), in float, after
 * post-training quantization at several model-wide precisions and with
 * per-layer profiled types, and after quantization-aware training at 8, 6
 * and 4 bits (and 6 bits with 75 % of the weights pruned); next to hls4ml's
 * own three example taggers (float, 70 % pruned, QKeras 6-bit), imported from
 * their Keras files.
 *
 * Every quantized configuration is evaluated by the bit-exact emulator on the
 * test jets, exported to Verilog, simulated by Verilator on test vectors and
 * compared bit for bit with the emulator, and synthesized by yosys
 * (`synth_xilinx`) for LUT/FF/DSP counts. Two designs too large to
 * synthesize in reasonable time (`ptq-16-6`, `hls4ml-float`: about 360k
 * LUTs each) and every design of `--quick` take their figures from the
 * analytic estimator calibrated against yosys (`estimateResources`);
 * `resource_method` says which. Finished rows are checkpointed atomically in
 * DIR/rows-checkpoint.json and a resumed run skips them.
 *
 * Writes DIR/results.json `{ rows, dataset, hls4ml_published, seed, wall_s }`,
 * DIR/accuracy-vs-luts.png (when resources were measured) and
 * DIR/accuracy.png; the summary holds a markdown table.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiffhepError, prngKey, writeJsonAtomic } from '../../src/autodiff/index.js';
import { startProgress } from '../../src/cli/progress.js';
import { savePlot, type PlotSpec } from '../../src/plot/index.js';
import { emulate, quantizeInputs } from '../../src/hw/emulate/emulator.js';
import type { ModelIR } from '../../src/hw/ir.js';
import { exportVerilog } from '../../src/hw/verilog/project.js';
import { verifyVerilog } from '../../src/hw/verify.js';
import { synthReport } from '../../src/hw/report.js';
import { estimateResources } from '../../src/hw/estimate/estimate.js';
import type { ExperimentOptions } from '../types.js';
import { CLASSES, FEATURES, generateJets, standardizer } from './dataset.js';
import { trainClassifier, type TrainClassifierOptions } from '../../src/hw/qat/train.js';
import type { LayerQuant } from '../../src/hw/qat/qat-mlp.js';
import { accuracy, flatten, forwardFloat, type MlpWeights } from './train.js';
import { ALL_CONFIGS, type ConfigSpec, hgqSettings, hls4mlAvailable, irHls4ml, irUniform, irWithTypes, profiledTypes, RUN_ORDER, WIDE_INPUT } from './configs.js';

/** One row of results.json. */
export interface TriggerRow {
  name: string;
  kind: ConfigSpec['kind'];
  /** Test accuracy (bit-exact emulator for hardware rows); null for hls4ml's models (trained on the real dataset). */
  accuracy: number | null;
  luts: number | null;
  ffs: number | null;
  dsps: number | null;
  latency_cycles: number | null;
  ii: number | null;
  /** Verilator output equals the emulator's on every test vector (null: no hardware). */
  bit_exact: boolean | null;
  vectors: number | null;
  /** `yosys`: synth_xilinx of the generated Verilog; `estimate`: the calibrated analytic estimator (`estimateResources`). */
  resource_method: 'yosys' | 'estimate' | null;
  /** Non-zero weights of the exported design. */
  nonzero_weights: number | null;
  /** Accuracy of the training code's fake-quantized forward pass (float32) on the test set, next to the emulator's. */
  train_forward_accuracy?: number;
  /** HGQ: effective bit operations and mean bits per weight of the exported network. */
  ebops?: number;
  mean_weight_bits?: number;
  /** Why a figure is missing or how to read it. */
  note?: string;
  /** The configuration the row was made with (a resumed run reuses a row only while its configuration is unchanged). */
  config?: ConfigSpec;
  /** yosys wall time. */
  synth_s?: number;
  /** The analytic estimate next to a yosys figure (LUTs), for comparison. */
  estimated_luts?: number;
}

/** Options of `runTrigger` beyond the common ones (the tests use small values). */
export interface TriggerOptions extends ExperimentOptions {
  /** Configuration names to run (default: all). */
  configs?: string[];
  nTrain?: number;
  nTest?: number;
  /** Float training epochs (QAT, pruning and HGQ fine-tuning use half as many). */
  epochs?: number;
  /** Layer sizes (default the hls4ml tagger 16-64-32-32-5). */
  sizes?: number[];
  /** Verilator test vectors per configuration. */
  vectors?: number;
  /**
   * Resources of the hardware rows: `yosys` synthesis (configurations marked
   * `estimateOnly` still use the estimator), the analytic `estimate` for every
   * row, or `none`.
   */
  resources?: 'yosys' | 'estimate' | 'none';
}

/**
 * Figures hls4ml's developers published for this architecture that could be
 * read from stored copies of their public threads (Vivado HLS estimates, not
 * post-implementation). The papers' tables (arXiv:1804.06913, 2006.10159,
 * 2405.00645) were not available here, so none of their numbers is listed;
 * see docs/hw.md "Trigger experiment".
 */
export const HLS4ML_PUBLISHED: {
  name: string;
  source: string;
  setup: string;
  accuracy: number | null;
  luts: number | null;
  ffs: number | null;
  dsps: number | null;
  latency_cycles: number | null;
}[] = [
  {
    name: 'hls4ml KERAS_3layer 70 % pruned',
    source: 'https://github.com/fastmachinelearning/hls4ml/pull/86 (2018-08-08)',
    setup: 'ap_fixed<16,6>, reuse 1, io_parallel, xcku115-flvb2104-2-i, 5 ns clock (4.366 ns estimated), Vivado HLS 2018.2; II 2 at the time (open issue in that thread)',
    accuracy: null,
    luts: null,
    ffs: null,
    dsps: null,
    latency_cycles: 22,
  },
  {
    name: 'hls4ml KERAS_3layer',
    source: 'https://github.com/fastmachinelearning/hls4ml/issues/20 (2017-11-17)',
    setup: 'reuse 1, dataflow, early hls4ml version; 34 of the cycles in the softmax layer',
    accuracy: null,
    luts: null,
    ffs: null,
    dsps: null,
    latency_cycles: 59,
  },
];

const SIZES = [16, 64, 32, 32, 5];

interface Checkpoint {
  fingerprint: string;
  float: MlpWeights | null;
  rows: TriggerRow[];
  elapsedS: number;
}

function defaults(quick: boolean) {
  return quick
    ? { nTrain: 12000, nTest: 2000, epochs: 24, vectors: 128, resources: 'estimate' as const }
    : { nTrain: 40000, nTest: 10000, epochs: 20, vectors: 256, resources: 'yosys' as const };
}

function nonzero(ir: ModelIR): number {
  let n = 0;
  for (const l of ir.layers) if (l.kind === 'dense') for (const r of l.weights) for (const w of r) if (w !== 0n) n++;
  return n;
}

function emulatorAccuracy(ir: ModelIR, x: number[][], y: number[]): number {
  const out = emulate(ir, x);
  let ok = 0;
  out.forEach((o, e) => {
    if (o[0] === y[e]) ok++;
  });
  return ok / y.length;
}

/** Runs the experiment with explicit sizes (see `TriggerOptions`). */
export async function runTrigger(opts: TriggerOptions): Promise<{ summary: string; rows: TriggerRow[] }> {
  const t0 = performance.now();
  const d = defaults(opts.quick);
  const nTrain = opts.nTrain ?? d.nTrain;
  const nTest = opts.nTest ?? d.nTest;
  const epochs = opts.epochs ?? d.epochs;
  const fineEpochs = Math.max(1, Math.floor(epochs / 2));
  const batchSize = 256;
  const nVectors = opts.vectors ?? d.vectors;
  const resources = opts.resources ?? d.resources;
  const sizes = opts.sizes ?? SIZES;
  if (sizes[0] !== FEATURES.length || sizes[sizes.length - 1] !== CLASSES.length) {
    throw new DiffhepError(`sizes must start with ${FEATURES.length} inputs and end with ${CLASSES.length} classes, got [${sizes.join(', ')}]`, 'sizes');
  }
  const names = opts.configs ?? ALL_CONFIGS.map((c) => c.name);
  const specs = names.map((n) => {
    const s = ALL_CONFIGS.find((c) => c.name === n);
    if (!s) throw new DiffhepError(`unknown configuration '${n}' (have: ${ALL_CONFIGS.map((c) => c.name).join(', ')})`, 'configs');
    return s;
  });
  const runnable = specs.filter((s) => s.kind !== 'hls4ml' || hls4mlAvailable()).sort((a, b) => RUN_ORDER.indexOf(a.name) - RUN_ORDER.indexOf(b.name));
  mkdirSync(opts.out, { recursive: true });

  // Data: balanced classes, standardized with the training sample's moments.
  const root = prngKey(opts.seed).fold('trigger-fpga');
  const train = generateJets(root.fold('train'), nTrain);
  const test = generateJets(root.fold('test'), nTest);
  const std = standardizer(train.x);
  const xTrain = std.apply(train.x);
  const xTest = std.apply(test.x);
  const xCalib = xTrain.slice(0, Math.min(2000, nTrain));

  const fingerprint = JSON.stringify({ seed: opts.seed, nTrain, nTest, epochs, nVectors, resources, sizes });
  const ckFile = join(opts.out, 'rows-checkpoint.json');
  let ck: Checkpoint | undefined;
  if (opts.resume && existsSync(ckFile)) {
    const saved = JSON.parse(readFileSync(ckFile, 'utf8')) as Checkpoint;
    if (saved.fingerprint === fingerprint) ck = saved;
  }
  const trainDir = join(opts.out, 'train');
  if (!ck) rmSync(trainDir, { recursive: true, force: true }); // training checkpoints of another configuration
  mkdirSync(trainDir, { recursive: true });
  const state: Checkpoint = ck ?? { fingerprint, float: null, rows: [], elapsedS: 0 };
  const flatTrain = flatten(xTrain, train.y);
  const flatTest = flatten(xTest, test.y);
  const trainOpts = (tag: string, ep: number): TrainClassifierOptions => ({
    sizes, x: flatTrain.x, y: flatTrain.y, xVal: flatTest.x, yVal: flatTest.y, epochs: ep, batchSize,
    learningRate: 3e-3, seed: root.fold(tag).hi, checkpoint: join(trainDir, `${tag}.json`), checkpointEvery: 100,
  });
  // A checkpointed row counts only while its configuration is the current one (a changed HGQ setting reruns it).
  const sameConfig = (r: TriggerRow) => {
    const s = ALL_CONFIGS.find((c) => c.name === r.name);
    return s !== undefined && r.config !== undefined && JSON.stringify(r.config) === JSON.stringify(s);
  };
  state.rows = state.rows.filter((r) => r.kind === 'float' || sameConfig(r));
  const resumedRows = state.rows.filter((r) => names.includes(r.name)).map((r) => r.name);
  const start = performance.now() - state.elapsedS * 1000;
  const save = () => {
    state.elapsedS = (performance.now() - start) / 1000;
    writeJsonAtomic(ckFile, state);
  };

  const bar = startProgress('trigger-fpga', runnable.length, opts.progress);
  let done = 0;
  const floatWeights = (): MlpWeights => {
    if (!state.float) {
      state.float = trainClassifier(trainOpts('float', epochs)).params;
      save();
    }
    return state.float;
  };
  const vectorsRaw = (ir: ModelIR) => quantizeInputs(ir, xTest.slice(0, Math.min(nVectors, nTest)));

  for (const spec of runnable) {
    if (state.rows.some((r) => r.name === spec.name)) {
      bar.update(++done, { config: spec.name });
      continue;
    }
    let row: TriggerRow;
    if (spec.kind === 'float') {
      row = {
        name: spec.name, kind: spec.kind, accuracy: accuracy(forwardFloat(floatWeights(), xTest), test.y),
        luts: null, ffs: null, dsps: null, latency_cycles: null, ii: null, bit_exact: null, vectors: null, resource_method: null, nonzero_weights: null,
      };
    } else {
      let ir: ModelIR;
      let note: string | undefined;
      const extra: Partial<TriggerRow> = {};
      const tag = spec.name.replace(/[^A-Za-z0-9_]/g, '_');
      if (spec.kind === 'ptq') ir = irUniform(floatWeights(), spec.width!, spec.integer!, tag);
      else if (spec.kind === 'ptq-profiled') ir = irWithTypes(floatWeights(), profiledTypes(floatWeights(), xCalib, spec.width!), WIDE_INPUT, tag);
      else if (spec.kind === 'qat' || spec.kind === 'hgq') {
        const o: TrainClassifierOptions = { ...trainOpts(tag, fineEpochs), learningRate: 1e-3, init: floatWeights(), inputType: WIDE_INPUT };
        // A training checkpoint of another configuration under the same name is stale.
        const specFile = join(trainDir, `${tag}.config.json`);
        if (!existsSync(specFile) || readFileSync(specFile, 'utf8') !== JSON.stringify(spec)) {
          rmSync(o.checkpoint!, { force: true });
          rmSync(`${o.checkpoint!}.qat.json`, { force: true });
          writeFileSync(specFile, JSON.stringify(spec));
        }
        if (spec.kind === 'qat') o.quant = profiledTypes(floatWeights(), xCalib, spec.width!);
        else o.hgq = hgqSettings(spec.beta!);
        const stepsTotal = fineEpochs * Math.ceil(nTrain / batchSize);
        if (spec.sparsity) o.pruning = { finalSparsity: spec.sparsity, beginStep: 0, endStep: Math.max(1, Math.floor(0.6 * stepsTotal)), frequency: Math.max(1, Math.floor(stepsTotal / 20)) };
        const r = trainClassifier(o);
        ir = irWithTypes(r.params, r.quant as LayerQuant[], r.inputType, tag, r.masks);
        extra.train_forward_accuracy = r.valAccuracy;
        if (r.ebops !== undefined) {
          extra.ebops = r.ebops;
          extra.mean_weight_bits = r.meanWeightBits;
        }
      } else {
        ir = await irHls4ml(spec);
        note = "trained by hls4ml on the real LHC jet dataset: accuracy on this generator's jets is not meaningful";
      }
      const dir = join(opts.out, 'designs', tag);
      rmSync(dir, { recursive: true, force: true });
      const design = exportVerilog(dir, ir, vectorsRaw(ir));
      const v = verifyVerilog(dir);
      const est = resources === 'none' ? null : estimateResources(ir);
      const method = resources === 'yosys' && !spec.estimateOnly ? 'yosys' : resources === 'none' ? null : 'estimate';
      const res: { luts: number; ffs: number; dsps: number; seconds?: number } | null = method === 'yosys' ? synthReport(design.verilog) : est;
      row = {
        name: spec.name,
        kind: spec.kind,
        accuracy: spec.kind === 'hls4ml' ? null : emulatorAccuracy(ir, xTest, test.y),
        luts: res?.luts ?? null,
        ffs: res?.ffs ?? null,
        dsps: res?.dsps ?? null,
        latency_cycles: design.latencyCycles,
        ii: design.ii,
        bit_exact: v.mismatches === 0,
        vectors: v.vectors,
        resource_method: method,
        nonzero_weights: nonzero(ir),
        ...extra,
        ...(note ? { note } : {}),
        config: spec,
        ...(method === 'yosys' && res ? { synth_s: res.seconds, estimated_luts: est!.luts } : {}),
      };
    }
    state.rows.push(row);
    save();
    bar.update(++done, { config: spec.name });
  }
  bar.stop();

  const rows = names.map((n) => state.rows.find((r) => r.name === n)).filter((r): r is TriggerRow => r !== undefined);
  const skipped = specs.filter((s) => !runnable.includes(s)).map((s) => s.name);
  const results = {
    rows,
    dataset: {
      generator: 'experiments/trigger-fpga/dataset.ts (latent model per class, see docs/hw.md "Trigger experiment")',
      features: FEATURES,
      classes: CLASSES,
      n_train: nTrain,
      n_test: nTest,
      standardization: { mean: std.mean, std: std.std },
    },
    architecture: sizes,
    training: { float_epochs: epochs, fine_tune_epochs: fineEpochs, batch_size: batchSize, float_learning_rate: 3e-3, fine_tune_learning_rate: 1e-3 },
    hls4ml_published: HLS4ML_PUBLISHED,
    hls4ml_published_note:
      'hls4ml publishes this architecture in arXiv:1804.06913 (Vivado HLS on a Kintex UltraScale KU115), QKeras in arXiv:2006.10159 and HGQ in arXiv:2405.00645; their tables were not available here, so only the latencies reported in hls4ml\'s own threads are listed (HLS estimates with DSP multipliers; our designs use LUT shift-add trees, and our jets are not the LHC dataset).',
    skipped_configs: skipped,
    resumed_rows: resumedRows,
    resources_method: resources,
    seed: opts.seed,
    quick: opts.quick,
    wall_s: (performance.now() - t0) / 1000,
  };
  writeJsonAtomic(join(opts.out, 'results.json'), results);
  await savePlots(rows, opts.out);
  return { summary: markdownTable(rows), rows };
}

/** Markdown table of the rows. */
export function markdownTable(rows: TriggerRow[]): string {
  const f = (v: number | null | boolean, digits = 0) => (v === null ? '—' : typeof v === 'boolean' ? (v ? 'yes' : 'NO') : digits ? v.toFixed(digits) : String(v));
  const lines = [
    '| configuration | accuracy | LUT | FF | DSP | latency [cycles] | II | non-zero weights | bit-exact (vectors) | resources |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.name} | ${r.accuracy === null ? '—' : (100 * r.accuracy).toFixed(1) + ' %'} | ${f(r.luts)} | ${f(r.ffs)} | ${f(r.dsps)} | ${f(r.latency_cycles)} | ${f(r.ii)} | ${f(r.nonzero_weights)} | ${r.bit_exact === null ? '—' : `${f(r.bit_exact)} (${r.vectors})`} | ${r.resource_method ?? '—'} |`,
    );
  }
  return lines.join('\n');
}

async function savePlots(rows: TriggerRow[], out: string): Promise<void> {
  const acc = rows.filter((r) => r.accuracy !== null).map((r) => ({ name: r.name, accuracy: 100 * (r.accuracy as number), kind: r.kind }));
  if (acc.length) {
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: 'jet tagger test accuracy (float; bit-exact emulator for quantized)',
      width: 420,
      height: 260,
      data: { values: acc },
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'name', type: 'nominal', sort: null, title: null },
        y: { field: 'accuracy', type: 'quantitative', title: 'accuracy [%]', scale: { zero: false, domain: [Math.max(0, Math.min(...acc.map((a) => a.accuracy)) - 5), 100] } },
        color: { field: 'kind', type: 'nominal', title: null },
      },
    };
    await savePlot(spec as unknown as PlotSpec, join(out, 'accuracy.png'));
  }
  const pts = rows
    .filter((r) => r.luts !== null)
    .map((r) => ({
      name: r.name,
      kind: r.kind,
      luts: r.luts as number,
      ffs: r.ffs,
      accuracy: r.accuracy === null ? null : 100 * r.accuracy,
      method: r.resource_method === 'yosys' ? 'yosys synth_xilinx' : 'analytic estimate',
      label: `${r.name} (${r.latency_cycles} cc)${r.resource_method === 'estimate' ? ' [est.]' : ''}`,
    }));
  if (!pts.length) return;
  const x = { field: 'luts', type: 'quantitative', title: 'LUTs', scale: { type: 'log' } };
  const color = { field: 'kind', type: 'nominal', title: 'configuration' };
  const shape = { field: 'method', type: 'nominal', title: 'resources', scale: { domain: ['yosys synth_xilinx', 'analytic estimate'], range: ['circle', 'triangle-up'] } };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    vconcat: [
      {
        title: 'test accuracy vs LUTs (label: latency in clock cycles, II = 1)',
        width: 460,
        height: 260,
        data: { values: pts.filter((p) => p.accuracy !== null) },
        layer: [
          { mark: { type: 'point', filled: true, size: 70 }, encoding: { x, y: { field: 'accuracy', type: 'quantitative', title: 'accuracy [%]', scale: { zero: false } }, color, shape } },
          { mark: { type: 'text', dx: 6, align: 'left', fontSize: 9 }, encoding: { x, y: { field: 'accuracy', type: 'quantitative' }, text: { field: 'label' } } },
        ],
      },
      {
        title: "LUTs of every exported design (hls4ml's models: no accuracy on our jets; estimates marked in the label)",
        width: 460,
        height: 16 * pts.length,
        data: { values: pts },
        mark: { type: 'bar' },
        encoding: { y: { field: 'label', type: 'nominal', sort: null, title: null }, x: { field: 'luts', type: 'quantitative', title: 'LUTs' }, color, opacity: { field: 'method', type: 'nominal', title: 'resources', scale: { domain: ['yosys synth_xilinx', 'analytic estimate'], range: [1, 0.45] } } },
      },
    ],
  };
  await savePlot(spec as unknown as PlotSpec, join(out, 'accuracy-vs-luts.png'));
}

/** Runs the experiment (`npx diffhep run trigger-fpga [--quick] --out DIR`). */
export async function run(opts: ExperimentOptions): Promise<{ summary: string }> {
  const r = await runTrigger(opts);
  return { summary: r.summary };
}
