import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { prngKey, DomainError, NonFiniteError, ShapeMismatchError, DiffhepError } from '../../../src/autodiff/index.js';
import { propertyParams } from '../../../src/autodiff/testing/index.js';
import { calorimeter, simulateShowers, type ShowerEvents } from '../../../src/sim/calo/index.js';
import {
  caloImages,
  caloCellSets,
  layerGroups,
  sampleEnergies,
  energyPriorDensity,
  showerSample,
  checkHostArray,
  eventCount,
  takeRows,
  concatInputs,
  CELL_FEATURES,
} from '../../../src/reco/learned/index.js';

const calo = calorimeter({ absorber: 'Pb', active: 'LAr', nLayers: 8, absorberCm: 0.6, activeCm: 0.3, cellSizeCm: 2, cellsPerSide: 5, subSlices: 1 });
const showers: ShowerEvents = simulateShowers(calo, { particle: 'electron', energyGeV: [2, 5, 10, 20], count: 4 }, prngKey(11));

function withVisible(ev: ShowerEvents, visible: Float32Array): ShowerEvents {
  return { ...ev, visible };
}

describe('reco/learned data adapters', () => {
  it('layer groups cover every layer once, in order, and reject bad groupings by name', () => {
    for (let s = 1; s <= 8; s++) {
      const g = layerGroups(8, { sections: s });
      assert.equal(g.length, s);
      assert.deepEqual(g.flat(), [0, 1, 2, 3, 4, 5, 6, 7]);
    }
    assert.throws(() => layerGroups(8, { sections: 9 }), (e: Error) => e instanceof DomainError && /sections/.test(e.message) && /9/.test(e.message));
    assert.throws(() => layerGroups(8, { layerGroups: [[0, 1], []] }), (e: Error) => e instanceof DomainError && /layerGroups\[1\]/.test(e.message));
    assert.throws(() => layerGroups(8, { layerGroups: [[0, 8]] }), (e: Error) => e instanceof DomainError && /layerGroups\[0\]\[1\]/.test(e.message) && /8/.test(e.message));
  });

  it('images hold the visible energy of each section (energy conserved cell by cell)', () => {
    const { images } = caloImages(showers, { sections: 4, energyScaleGeV: 0.5 });
    assert.deepEqual(images.shape, [4, 5, 5, 4]);
    const n = 5;
    for (let b = 0; b < 4; b++) {
      for (let c = 0; c < 4; c++) {
        let img = 0;
        let vis = 0;
        for (let cell = 0; cell < n * n; cell++) img += images.data[(b * n * n + cell) * 4 + c] * 0.5;
        for (const l of [2 * c, 2 * c + 1]) for (let cell = 0; cell < n * n; cell++) vis += showers.visible[(b * 8 + l) * n * n + cell];
        assert.ok(Math.abs(img - vis) <= 1e-5 * Math.max(1, Math.abs(vis)), `shower ${b} section ${c}: ${img} vs ${vis}`);
      }
    }
  });

  it('cell sets: most energetic cells first, mask and counts agree, features in range, dropped energy accounted for', () => {
    const sets = caloCellSets(showers, { sections: 4, maxCells: 16, thresholdGeV: 1e-4, energyScaleGeV: 0.1 });
    assert.deepEqual(sets.features.shape, [4, 16, CELL_FEATURES]);
    assert.deepEqual(sets.mask.shape, [4, 16]);
    for (let b = 0; b < 4; b++) {
      const m = Array.from(sets.mask.data.subarray(b * 16, (b + 1) * 16));
      assert.equal(m.reduce((a, c) => a + c, 0), sets.counts[b]);
      let prev = Infinity;
      for (let k = 0; k < 16; k++) {
        const f = sets.features.data.subarray((b * 16 + k) * CELL_FEATURES, (b * 16 + k + 1) * CELL_FEATURES);
        if (m[k] === 0) {
          assert.ok(f.every((v) => v === 0), 'padding is zeros');
          continue;
        }
        assert.ok(Math.abs(f[0]) <= 1 && Math.abs(f[1]) <= 1 && f[2] > 0 && f[2] < 1, `positions ${Array.from(f)}`);
        assert.ok(f[3] > 1e-3 && f[3] <= prev + 1e-9, 'energy above threshold and sorted');
        assert.ok(Math.abs(f[4] - Math.sqrt(f[3])) < 1e-6);
        prev = f[3];
      }
      assert.ok(sets.droppedFraction[b] >= 0 && sets.droppedFraction[b] < 0.5);
    }
    // Higher energy, more cells over threshold (20 GeV fills the 16 slots).
    assert.equal(sets.counts[3], 16);
    assert.ok(sets.droppedFraction[3] > 0);
  });

  it('cell sets with room for every cell drop nothing and hold the whole energy above threshold', () => {
    const sets = caloCellSets(showers, { sections: 2, maxCells: 50, thresholdGeV: 0 });
    for (let b = 0; b < 4; b++) {
      assert.equal(sets.droppedFraction[b], 0);
      let e = 0;
      for (let k = 0; k < 50; k++) e += sets.features.data[(b * 50 + k) * CELL_FEATURES + 3] * 0.1;
      let pos = 0;
      for (let i = b * 8 * 25; i < (b + 1) * 8 * 25; i++) pos += showers.visible[i];
      assert.ok(e >= pos * (1 - 1e-4), `${e} < ${pos}`);
    }
  });

  it('bad input errors name the field and the value', () => {
    const nan = Float32Array.from(showers.visible);
    nan[3 * 8 * 25 + 2 * 25 + 7] = NaN;
    assert.throws(() => caloImages(withVisible(showers, nan)), (e: Error) => e instanceof NonFiniteError && /shower 3, layer 2, cell 7/.test(e.message) && /NaN/.test(e.message));
    assert.throws(() => caloCellSets(withVisible(showers, nan)), NonFiniteError);
    assert.throws(() => caloCellSets(withVisible(showers, showers.visible.slice(1))), (e: Error) => e instanceof ShapeMismatchError && /events.visible/.test(e.message));
    assert.throws(() => caloCellSets(showers, { maxCells: 0 }), (e: Error) => e instanceof DomainError && /maxCells/.test(e.message));
    assert.throws(() => caloImages(showers, { energyScaleGeV: -1 }), (e: Error) => e instanceof DomainError && /energyScaleGeV/.test(e.message) && /-1/.test(e.message));
    // An empty set (nothing above threshold) is an error unless allowed.
    assert.throws(() => caloCellSets(showers, { thresholdGeV: 1e3 }), (e: Error) => e instanceof DomainError && /events\[0\]/.test(e.message) && /empty set/.test(e.message));
    const empty = caloCellSets(showers, { thresholdGeV: 1e3, allowEmpty: true });
    assert.ok(empty.mask.data.every((v) => v === 0));
    assert.throws(() => showerSample(calo, 'electron', [], prngKey(1), { sets: {} }), (e: Error) => e instanceof DomainError && /energiesGeV/.test(e.message));
    assert.throws(() => showerSample(calo, 'muon' as never, [1], prngKey(1), { sets: {} }), (e: Error) => e instanceof DomainError && /particle/.test(e.message) && /muon/.test(e.message));
  });

  it('host arrays: shape, finiteness and event-count checks name the field', () => {
    assert.throws(() => checkHostArray('features', { data: new Float32Array(5), shape: [2, 3] }), (e: Error) => e instanceof ShapeMismatchError && /features/.test(e.message));
    assert.throws(() => checkHostArray('features', { data: Float32Array.of(1, Infinity), shape: [2, 1] }), (e: Error) => e instanceof NonFiniteError && /features\[event 1, element 0\]/.test(e.message));
    assert.throws(() => checkHostArray('mask', { data: new Float32Array(0), shape: [0, 4] }), (e: Error) => e instanceof DomainError && /mask.shape\[0\]/.test(e.message));
    assert.throws(() => eventCount({ a: { data: new Float32Array(2), shape: [2] }, b: { data: new Float32Array(3), shape: [3] } }), (e: Error) => e instanceof ShapeMismatchError && /inputs.b/.test(e.message));
    assert.throws(() => eventCount({}), DiffhepError);
    assert.deepEqual(Array.from(takeRows({ data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [3, 2] }, [2, 0]).data), [5, 6, 1, 2]);
    const c = concatInputs([{ x: { data: Float32Array.of(1, 2), shape: [1, 2] } }, { x: { data: Float32Array.of(3, 4, 5, 6), shape: [2, 2] } }]);
    assert.deepEqual(c.x.shape, [3, 2]);
    assert.throws(() => concatInputs([{ x: { data: Float32Array.of(1, 2), shape: [1, 2] } }, { x: { data: Float32Array.of(3), shape: [1, 1] } }]), ShapeMismatchError);
  });

  it('energy priors: draws in range, reproducible, with the moments of the power law', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 0.5, 1, 2, 2.5), fc.integer({ min: 1, max: 1000 }), (index, seed) => {
        const prior = { minGeV: 1, maxGeV: 20, index };
        const e = sampleEnergies(prior, 4000, prngKey(seed));
        assert.deepEqual(Array.from(e.slice(0, 5)), Array.from(sampleEnergies(prior, 5, prngKey(seed))));
        assert.ok(e.every((v) => v >= 1 && v <= 20));
        // mean against the density integrated on a fine grid
        let m = 0;
        let norm = 0;
        for (let k = 0; k < 20000; k++) {
          const x = 1 + (19 * (k + 0.5)) / 20000;
          const w = energyPriorDensity(prior, x) * (19 / 20000);
          m += w * x;
          norm += w;
        }
        assert.ok(Math.abs(norm - 1) < 1e-3, `density normalized: ${norm}`);
        const mean = e.reduce((a, b) => a + b, 0) / e.length;
        let v = 0;
        for (const x of e) v += (x - mean) ** 2;
        const se = Math.sqrt(v / e.length / e.length);
        assert.ok(Math.abs(mean - m) < 5 * se, `index ${index}: sample mean ${mean} vs ${m} ± ${se}`);
      }),
      propertyParams(5, 20261123),
    );
    assert.throws(() => sampleEnergies({ minGeV: 5, maxGeV: 2, index: 1 }, 3, prngKey(1)), (e: Error) => e instanceof DomainError && /prior.maxGeV/.test(e.message));
    assert.throws(() => sampleEnergies({ minGeV: 1, maxGeV: 2, index: NaN }, 3, prngKey(1)), (e: Error) => e instanceof DomainError && /prior.index/.test(e.message));
  });
});
