/**
 * Fit a drift velocity to 1000 seeded measurements by gradient descent, with a
 * Hessian-based uncertainty. Run: `npx tsx examples/fit-drift-velocity.ts`.
 */
import { tf, ParamSet, param, prngKey, normal, minimize, adam, hessian, type Tensor, type Tree } from '../src/autodiff/index.js';

const VD_NOMINAL_CM_PER_US = 0.1596; // at 0.5 kV/cm, 87.17 K (larnd-sim)
const RESOLUTION = 0.02;

// 1000 measurements of a drift velocity [cm/us] with 2 % resolution.
const data = normal(prngKey(7), [1000], VD_NOMINAL_CM_PER_US, VD_NOMINAL_CM_PER_US * RESOLUTION);

const params = new ParamSet({
  vd: param(0.15, { unit: 'cm/us', bounds: [0.14, 0.18] }), // the fit range, through a sigmoid transform
});
const chi2 = (p: Tree<Tensor>) => {
  const { vd } = p as { vd: Tensor };
  return tf.sum(tf.square(tf.div(tf.sub(data, vd), VD_NOMINAL_CM_PER_US * RESOLUTION)));
};

const fit = minimize(chi2, params, { optimizer: adam({ learningRate: 0.1 }), steps: 300 });
const vd = fit.params.get('vd') as number;
const h = hessian(chi2)({ vd }); // d²χ²/dvd², so σ² = 2 / H
const sigma = Math.sqrt(2 / h.matrix[0][0]);
console.log(`vd = ${vd.toFixed(5)} ± ${sigma.toFixed(5)} cm/us (sample mean ${(tf.mean(data).dataSync()[0]).toFixed(5)})`);
