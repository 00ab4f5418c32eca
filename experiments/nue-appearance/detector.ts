/**
 * The detector and the beam of the nue-appearance chain: the module-0 pixel
 * LArTPC (both TPCs, 30 cm drift each) with the beam along +y (the long,
 * 124 cm axis of the pixel plane), and CCQE neutrino events from
 * `neutrinoEvents` rotated into that frame (the generator's beam is +z,
 * which is the drift axis here).
 */
import { prngKey, type PRNGKey, type Tensor, tf, DomainError } from '../../src/autodiff/index.js';
import { lartpcParams, module0Config, concatSegments, allocSegments, MODULE0, type SimConfig, type Segments } from '../../src/sim/lartpc/index.js';
import { neutrinoEvents, type NeutrinoOptions } from '../../src/sim/generator/index.js';
import type { RecoConfig } from '../../src/reco/lartpc/index.js';
import type { ParamSet } from '../../src/autodiff/index.js';

/** Beam direction in the detector frame. */
export const BEAM_DIR: [number, number, number] = [0, 1, 0];

/** Readout configuration: module-0 pixels; `tickUs` coarser than the 0.1 µs of LArPix to keep the chain cheap. */
export function detectorConfig(tickUs: number): SimConfig {
  if (!(tickUs > 0)) throw new DomainError('tickUs', tickUs, 'must be > 0 µs');
  return module0Config({ tickUs, nTicks: Math.ceil(MODULE0.readoutWindowUs / tickUs), pixelMargin: 1 });
}

/** Detector parameters: the simulation's nominal set with lifetime, threshold and pitch trainable. */
export function detectorParams(lifetimeUs: number): ParamSet {
  const ps = lartpcParams().withTrainable('recombination', false).withTrainable('drift', false).withTrainable('drift.lifetime', true);
  ps.set('drift.lifetime', lifetimeUs);
  return ps;
}

/** Distance from the walls of the active volume within which a track end counts as exiting [cm]. */
export const FIDUCIAL_MARGIN_CM = 3;

/** The reconstruction settings of the chain. */
export function recoConfig(c: SimConfig): RecoConfig {
  const m = FIDUCIAL_MARGIN_CM;
  return {
    tickUs: c.tickUs,
    cathodeZ: c.cathodeZ,
    anodeZHost: [...MODULE0.anodeZCm],
    reference: BEAM_DIR,
    fiducial: { x: [MODULE0.xRangeCm[0] + m, MODULE0.xRangeCm[1] - m], y: [MODULE0.yRangeCm[0] + m, MODULE0.yRangeCm[1] - m], z: [MODULE0.anodeZCm[0] + m, MODULE0.anodeZCm[1] - m] },
  };
}

/** One generated sample (one flavour channel). */
export interface NeutrinoSample {
  channel: NeutrinoOptions['channel'];
  /** Segments of each event, in the detector frame. */
  events: Segments[];
  /** True neutrino energy [GeV]. */
  energyGeV: Float32Array;
  leptonKineticMeV: Float32Array;
  protonKineticMeV: Float32Array;
}

/** Vertex box [cm] in the detector frame (upstream part of the volume, away from the edges). */
export const VERTEX_BOX = { x: [-20, 20] as [number, number], y: [-75, -50] as [number, number], z: [-22, 22] as [number, number] };

/**
 * Generates `n` events of a channel with `key` (theory at the generator's
 * reference values: kinematics do not depend on it; oscillation weights are
 * recomputed by the spectrum model).
 */
export function generateSample(key: PRNGKey, n: number, channel: NeutrinoOptions['channel'], maxTrackCm: number): NeutrinoSample {
  const theory = { sin22theta: tf.scalar(0.5), dm2eV2: tf.scalar(2.5e-3) };
  // generator frame (x, y, z) → detector (x, z, −y) + offset: beam +z → +y
  const box = { x: VERTEX_BOX.x, y: [-VERTEX_BOX.z[1], -VERTEX_BOX.z[0]] as [number, number], z: VERTEX_BOX.y };
  const ev = neutrinoEvents(theory, key, { nEvents: n, channel, vertexBoxCm: box, stepCm: 1, maxTrackCm });
  tf.dispose([theory.sin22theta, theory.dm2eV2, ev.weight as Tensor]);
  const s = ev.segments;
  const per: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < s.event_id.length; i++) per[s.event_id[i]].push(i);
  const events = per.map((idx) => {
    const out = allocSegments(idx.length);
    out.pdg_id = new Int32Array(idx.length);
    idx.forEach((i, k) => {
      out.x_start[k] = s.x_start[i];
      out.y_start[k] = s.z_start[i];
      out.z_start[k] = -s.y_start[i];
      out.x_end[k] = s.x_end[i];
      out.y_end[k] = s.z_end[i];
      out.z_end[k] = -s.y_end[i];
      out.dE[k] = s.dE[i];
      out.dEdx[k] = s.dEdx[i];
      out.t0[k] = 0;
      out.event_id[k] = 0;
      out.traj_id[k] = s.traj_id[i];
      (out.pdg_id as Int32Array)[k] = s.pdg_id ? s.pdg_id[i] : 0;
    });
    return out;
  });
  return { channel, events, energyGeV: ev.energyGeV, leptonKineticMeV: ev.leptonKineticMeV, protonKineticMeV: ev.protonKineticMeV };
}

export { concatSegments, prngKey };
