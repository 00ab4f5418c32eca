import { strict as assert } from 'node:assert';
import { prngKey, ParamSet, DomainError, NonFiniteError } from '../../../src/autodiff/index.js';
import { lartpcParams, module0Config, randomTracks, simulate, type Hit } from '../../../src/sim/lartpc/index.js';
import { lartpcHitSets, HIT_FEATURES, setNetwork, predict } from '../../../src/reco/learned/index.js';

describe('reco/learned LArTPC hit sets', function () {
  this.timeout(120000);
  // Two short tracks in a small corner of module 0 (pixel plane at the origin), simulated one event at a time.
  const c = module0Config({ nx: 24, ny: 24 });
  const ps = lartpcParams();
  ps.set('geometry.xMin', 0).set('geometry.yMin', 0);
  const events: Hit[][] = [0, 1].map((i) => simulate(randomTracks(prngKey(40 + i), 1, { box: { x: [2, 8.5], y: [2, 8.5], z: [2, 27] }, maxLengthCm: 3, stepCm: 0.4 }), ps, c, { key: prngKey(50 + i) }).hits);

  it('sets hold the hits with the most charge, features in range, and do not depend on the order of the hits', () => {
    assert.ok(events.every((h) => h.length > 0), `hits per event: ${events.map((h) => h.length)}`);
    const K = 16;
    const sets = lartpcHitSets(events, c, { maxHits: K, chargeScale: 1e4 });
    assert.deepEqual(sets.features.shape, [2, K, HIT_FEATURES]);
    events.forEach((hits, b) => {
      assert.equal(sets.counts[b], Math.min(K, hits.length));
      const sorted = hits.map((h) => h.charge).sort((x, y) => y - x);
      for (let r = 0; r < sets.counts[b]; r++) {
        const f = sets.features.data.subarray((b * K + r) * HIT_FEATURES, (b * K + r + 1) * HIT_FEATURES);
        assert.ok(Math.abs(f[3] * 1e4 - sorted[r]) <= 1e-3 * Math.abs(sorted[r]) + 1e-3, `charge ${f[3] * 1e4} vs ${sorted[r]}`);
        assert.ok([f[0], f[1], f[2]].every((v) => v > -1 && v < 1) && Math.abs(f[4]) === 1);
      }
      assert.ok(sets.droppedFraction[b] >= 0 && sets.droppedFraction[b] < 1);
    });
    const reversed = lartpcHitSets(events.map((h) => [...h].reverse()), c, { maxHits: K });
    assert.deepEqual(Array.from(reversed.features.data), Array.from(lartpcHitSets(events, c, { maxHits: K }).features.data));
    // a Deep Sets network reads them
    const net = setNetwork({ inDim: HIT_FEATURES, outDim: 1 });
    assert.equal(predict(net, new ParamSet(net.init(prngKey(1))), { features: sets.features, mask: sets.mask }).length, 2);
  });

  it('bad hits and empty events are named', () => {
    const h = events[0][0];
    assert.throws(() => lartpcHitSets([[{ ...h, charge: NaN }]], c), (e: Error) => e instanceof NonFiniteError && /events\[0\]\[0\].charge/.test(e.message));
    assert.throws(() => lartpcHitSets([events[0], [{ ...h, ix: 24 }]], c), (e: Error) => e instanceof DomainError && /events\[1\]\[0\].ix/.test(e.message) && /24/.test(e.message));
    assert.throws(() => lartpcHitSets([events[0], []], c), (e: Error) => e instanceof DomainError && /events\[1\]/.test(e.message) && /empty set/.test(e.message));
    assert.throws(() => lartpcHitSets([], c), (e: Error) => e instanceof DomainError && /events/.test(e.message));
    assert.throws(() => lartpcHitSets(events, { nx: 0, ny: 1, nTicks: 1 }), (e: Error) => e instanceof DomainError && /grid.nx/.test(e.message));
    assert.equal(lartpcHitSets([[]], c, { allowEmpty: true }).counts[0], 0);
  });
});
