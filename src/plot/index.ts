/** Figures: vega-lite specs rendered to PNG/SVG. */
export * from './render.js';
export * from './charts.js';
