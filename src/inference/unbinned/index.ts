/** Unbinned likelihoods: composable normalized PDFs, (extended) NLLs, fits, toys. */
export * from './pdfs.js';
export * from './nll.js';
export * from './toy.js';
