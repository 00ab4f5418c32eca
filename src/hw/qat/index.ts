/** Quantization-aware training, pruning, HGQ bit widths and post-training quantization of the `nn` MLP. See docs/hw.md. */
export * from './fake-quant.js';
export * from './profile.js';
export * from './qat-mlp.js';
export * from './pruning.js';
export * from './hgq.js';
export * from './train.js';
