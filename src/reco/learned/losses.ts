/**
 * Training losses (tensor level; the caller's tidy owns the results):
 * squared error for energy regression (its minimizer is the posterior mean
 * E[E | x], which depends on the training prior) and the logistic loss for
 * a binary classifier on logits.
 */
import { tf, ShapeMismatchError, type Tensor } from '../../autodiff/index.js';

function asColumn(field: string, t: Tensor, batch: number): Tensor {
  if (t.size !== batch || (t.rank === 2 && t.shape[1] !== 1) || t.rank > 2) throw new ShapeMismatchError(field, [batch], t.shape);
  return t.reshape([batch]);
}

/**
 * Mean of (prediction − target)² over the batch; prediction [B] or [B, 1].
 *
 * @example
 * ```ts
 * squaredErrorLoss(tf.tensor1d([1, 2]), tf.tensor1d([1, 4])); // 2
 * ```
 */
export function squaredErrorLoss(prediction: Tensor, target: Tensor): Tensor {
  if (target.rank !== 1) throw new ShapeMismatchError('target', [-1], target.shape);
  const b = target.shape[0];
  return tf.tidy(() => tf.mean(tf.square(tf.sub(asColumn('prediction', prediction, b), target))));
}

/**
 * Mean logistic loss softplus(s) − y·s of logits s for labels y ∈ {0, 1}
 * (the binary cross-entropy of sigmoid(s), without its overflow).
 *
 * @example
 * ```ts
 * logisticLoss(tf.tensor1d([0]), tf.tensor1d([1])); // ln 2
 * ```
 */
export function logisticLoss(logits: Tensor, labels: Tensor): Tensor {
  if (labels.rank !== 1) throw new ShapeMismatchError('labels', [-1], labels.shape);
  const b = labels.shape[0];
  return tf.tidy(() => {
    const s = asColumn('logits', logits, b);
    return tf.mean(tf.sub(tf.softplus(s), tf.mul(labels, s)));
  });
}
