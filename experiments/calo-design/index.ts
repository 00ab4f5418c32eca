/**
 * calo-design: gradient-based optimization of a Pb/scintillator sampling
 * calorimeter (absorber thickness, active thickness, cell size, and 20
 * per-layer calibration weights) for the best photon energy resolution over
 * 1–100 GeV under a depth limit and a cost budget, by Adam through the
 * differentiable shower simulation; verified against a brute-force grid scan
 * of the same objective (least-squares calibration at each grid point, the
 * same photon sample for every point), and both optima re-evaluated on an
 * independent sample with a paired standard error.
 *
 * Writes DIR/results.json, landscape.png (objective over absorber × active
 * thickness at the scan's best cell size, with the descent path), loss.png,
 * event-display.png; checkpoints DIR/checkpoint.json (descent) and
 * DIR/scan-checkpoint.json (scan) atomically and resumes from them.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { prngKey, writeJsonAtomic, minimize, adam, DiffhepError } from '../../src/autodiff/index.js';
import { savePlot, heatmapWithPath, linePlot } from '../../src/plot/index.js';
import { startProgress } from '../../src/cli/progress.js';
import { simulateShowers, saveEventDisplay } from '../../src/sim/calo/index.js';
import type { ExperimentOptions } from '../types.js';
import { SETUP, photonSample, lossTensor, evaluateDesign, caloOf, designParams, pointOfParams, type DesignPoint } from './objective.js';

interface Config {
  steps: number;
  batch: number;
  learningRate: number;
  evalShowers: number;
  testShowers: number;
  grid: { absorberCm: number[]; activeCm: number[]; cellSizeCm: number[] };
  start: DesignPoint;
}

function logspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Number((lo * Math.pow(hi / lo, n === 1 ? 0 : i / (n - 1))).toPrecision(4)));
}

function config(quick: boolean): Config {
  return quick
    ? { steps: 36, batch: 64, learningRate: 0.06, evalShowers: 400, testShowers: 1500, grid: { absorberCm: logspace(0.25, 1, 5), activeCm: logspace(0.15, 1, 5), cellSizeCm: logspace(1.5, 6, 3) }, start: { absorberCm: 0.9, activeCm: 0.2, cellSizeCm: 1.6 } }
    : { steps: 150, batch: 128, learningRate: 0.03, evalShowers: 2000, testShowers: 6000, grid: { absorberCm: logspace(0.25, 1, 8), activeCm: logspace(0.15, 1, 8), cellSizeCm: logspace(1.5, 6, 5) }, start: { absorberCm: 0.9, activeCm: 0.2, cellSizeCm: 1.6 } };
}

interface PathPoint extends DesignPoint {
  step: number;
  loss: number | null;
}

/** The descent path, kept next to minimize's checkpoint so a resumed run still plots the whole path. */
interface PathState {
  /** The run configuration it belongs to (checkpoints of another configuration are not resumed). */
  fingerprint: string;
  /** Design point before step k and the minibatch loss there (null for the point after the last step), by step. */
  path: Record<number, PathPoint>;
  elapsedS: number;
}

interface ScanState {
  fingerprint: string;
  done: { point: DesignPoint; objective: number }[];
  elapsedS: number;
}

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Runs the experiment. */
export async function run(opts: ExperimentOptions): Promise<{ summary: string }> {
  const t0 = performance.now();
  const cfg = config(opts.quick);
  const root = prngKey(opts.seed).fold('calo-design');
  const [trainKey, evalKey, testKey] = root.split(3);
  const scanFile = join(opts.out, 'scan-checkpoint.json');

  const fingerprint = JSON.stringify({ seed: opts.seed, cfg, setup: SETUP });
  // 1. Gradient descent through the simulation: Adam on the unconstrained parameters (log lengths, offsets),
  // a fresh photon batch per step from trainKey.fold(step); minimize checkpoints and resumes.
  const ckFile = join(opts.out, 'checkpoint.json');
  const pathFile = join(opts.out, 'descent-path.json');
  let ps: PathState | undefined = opts.resume ? readJson<PathState>(pathFile) : undefined;
  if (!ps || ps.fingerprint !== fingerprint) {
    ps = { fingerprint, path: {}, elapsedS: 0 };
    rmSync(ckFile, { force: true });
  }
  const pathState = ps;
  const params = designParams(cfg.start);
  const descentStart = performance.now() - pathState.elapsedS * 1000;
  const bar = startProgress('calo-design descent', cfg.steps, opts.progress);
  pathState.path[0] ??= { step: 0, ...pointOfParams(params), loss: null };
  const result = minimize(
    (p, step) => lossTensor(p as never, photonSample(trainKey.fold(step), cfg.batch)),
    params,
    {
      optimizer: adam({ learningRate: cfg.learningRate }),
      steps: cfg.steps,
      checkpoint: { path: ckFile, every: 10 },
      key: trainKey,
      callback: (info) => {
        // info.params holds the point after step k, i.e. before step k + 1.
        pathState.path[info.step] = { ...pathState.path[info.step], step: info.step, loss: info.loss };
        const after = pointOfParams(info.params);
        pathState.path[info.step + 1] = { step: info.step + 1, ...after, loss: null };
        bar.update(info.step + 1, { loss: info.loss, a: after.absorberCm, g: after.activeCm, s: after.cellSizeCm });
        if ((info.step + 1) % 10 === 0 || info.step + 1 === cfg.steps) {
          pathState.elapsedS = (performance.now() - descentStart) / 1000;
          writeJsonAtomic(pathFile, pathState);
        }
      },
    },
  );
  bar.stop();
  const descentPath = Array.from({ length: cfg.steps + 1 }, (_, k) => pathState.path[k]);
  if (descentPath.some((q) => q === undefined)) throw new DiffhepError(`descent path incomplete in ${pathFile}; delete it and ${ckFile} to start afresh`, "descent-path");
  // Polyak average of the last quarter of the iterates (in log space).
  const tailN = Math.max(1, Math.floor(cfg.steps / 4));
  const tail = descentPath.slice(-tailN); // the iterates after the last tailN updates
  const avgLog = (k: keyof DesignPoint) => Math.exp(tail.reduce((s, q) => s + Math.log(q[k]), 0) / tail.length);
  const optimum: DesignPoint = { absorberCm: avgLog('absorberCm'), activeCm: avgLog('activeCm'), cellSizeCm: avgLog('cellSizeCm') };
  const evalSample = photonSample(evalKey, cfg.evalShowers);
  const gradEval = evaluateDesign(optimum, evalSample);

  // 2. Brute-force grid scan of the same objective on the same sample.
  const points: DesignPoint[] = [];
  for (const absorberCm of cfg.grid.absorberCm) for (const activeCm of cfg.grid.activeCm) for (const cellSizeCm of cfg.grid.cellSizeCm) points.push({ absorberCm, activeCm, cellSizeCm });
  const saved = opts.resume ? readJson<ScanState>(scanFile) : undefined;
  const scan: ScanState = saved && saved.fingerprint === fingerprint ? saved : { fingerprint, done: [], elapsedS: 0 };
  const scanStart = performance.now() - scan.elapsedS * 1000;
  const sbar = startProgress('calo-design scan', points.length, opts.progress);
  for (let i = scan.done.length; i < points.length; i++) {
    scan.done.push({ point: points[i], objective: evaluateDesign(points[i], evalSample).objective });
    sbar.update(i + 1, { best: Math.min(...scan.done.map((d) => d.objective)) });
    if ((i + 1) % 10 === 0 || i + 1 === points.length) {
      scan.elapsedS = (performance.now() - scanStart) / 1000;
      writeJsonAtomic(scanFile, scan);
    }
  }
  sbar.stop();
  const best = scan.done.reduce((b, d) => (d.objective < b.objective ? d : b));

  // 3. Both optima on an independent sample, paired.
  const testSample = photonSample(testKey, cfg.testShowers);
  const gT = evaluateDesign(optimum, testSample);
  const sT = evaluateDesign(best.point, testSample);
  const n = cfg.testShowers;
  let md = 0;
  for (let b = 0; b < n; b++) md += gT.squaredResiduals[b] - sT.squaredResiduals[b];
  md /= n;
  let vd = 0;
  for (let b = 0; b < n; b++) vd += (gT.squaredResiduals[b] - sT.squaredResiduals[b] - md) ** 2;
  const seDiff = Math.sqrt(vd / (n - 1) / n);
  const diff = gT.objective - sT.objective;
  const showersGradient = cfg.steps * cfg.batch + cfg.evalShowers;
  const showersScan = points.length * cfg.evalShowers;

  // 4. Figures.
  const sBest = best.point.cellSizeCm;
  const cells = scan.done.filter((d) => d.point.cellSizeCm === sBest).map((d) => ({ x: Math.log10(d.point.absorberCm), y: Math.log10(d.point.activeCm), value: Math.log10(d.objective) }));
  const pathXY = descentPath.map((q) => ({ x: Math.log10(q.absorberCm), y: Math.log10(q.activeCm), step: q.step }));
  await savePlot(
    heatmapWithPath(cells, pathXY, { title: `log10 objective at cell size ${sBest} cm; descent path (red)`, x: { title: 'log10 absorber thickness [cm]' }, y: { title: 'log10 active thickness [cm]' }, value: 'log10 J' }),
    join(opts.out, 'landscape.png'),
  );
  await savePlot(linePlot(descentPath.filter((q) => q.loss !== null).map((q) => ({ x: q.step, y: q.loss as number, series: 'minibatch loss' })), { title: 'descent: minibatch objective', x: { title: 'step' }, y: { title: 'J', log: true } }), join(opts.out, 'loss.png'));
  const ev = simulateShowers(caloOf(optimum), { particle: 'photon', energyGeV: 50, count: 1 }, testKey.fold('display'));
  await saveEventDisplay(ev, 0, join(opts.out, 'event-display.png'));

  const results = {
    optimum,
    scan_optimum: best.point,
    objective_at_optimum: gT.objective,
    objective_at_scan_optimum: sT.objective,
    objective_difference: diff,
    objective_difference_se: seDiff,
    agree_within_2se: diff <= 2 * seDiff,
    objective_at_optimum_eval_sample: gradEval.objective,
    objective_at_scan_optimum_eval_sample: best.objective,
    resolution_rms_at_optimum: Math.sqrt(gT.resolutionTerm),
    penalty_at_optimum: gT.penalty,
    showers_gradient: showersGradient,
    showers_scan: showersScan,
    showers_ratio: showersScan / showersGradient,
    showers_verification: 2 * cfg.testShowers,
    grid: cfg.grid,
    setup: SETUP,
    config: { steps: cfg.steps, batch: cfg.batch, learningRate: cfg.learningRate, evalShowers: cfg.evalShowers, testShowers: cfg.testShowers, start: cfg.start },
    seed: opts.seed,
    quick: opts.quick,
    descent_wall_s: pathState.elapsedS,
    descent_resumed_from: result.resumedFrom ?? null,
    scan_wall_s: scan.elapsedS,
    wall_s: (performance.now() - t0) / 1000,
  };
  writeJsonAtomic(join(opts.out, 'results.json'), results);
  const f = (p: DesignPoint) => `a=${p.absorberCm.toFixed(3)} g=${p.activeCm.toFixed(3)} s=${p.cellSizeCm.toFixed(2)} cm`;
  return {
    summary: `gradient optimum ${f(optimum)} J=${gT.objective.toFixed(5)}; scan optimum ${f(best.point)} J=${sT.objective.toFixed(5)}; ΔJ=${diff.toExponential(2)} ± ${seDiff.toExponential(2)}; showers ${showersGradient} vs ${showersScan} (${(showersScan / showersGradient).toFixed(1)}×)`,
  };
}
