/** What the reconstruction takes from the LArTPC simulation (one place, so the dependency is visible). */
export {
  cleanSegments,
  planReadout,
  simulateReadout,
  asLArTPCTensors,
  electronicsRelaxed,
  triggerSchedule,
  pixelCoords,
  valuesOf,
  W_ION_MEV,
  LAR_DENSITY_G_CM3,
  MUON_MASS_MEV,
  PROTON_MASS_MEV,
  betheBloch,
  gatherAt,
} from '../../sim/lartpc/index.js';
export type { Segments, SimConfig, LArTPCValues, LArTPCTensors, ReadoutPlan, HitSchedule } from '../../sim/lartpc/index.js';
import type { Tree, Tensor } from '../../autodiff/index.js';
/** The part of a ParamSet the planner reads. */
export interface ParamSetLike {
  constantTree(): Tree<Tensor>;
}
