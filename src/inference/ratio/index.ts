/** Likelihood ratios by classification. */
export * from './classifier.js';
