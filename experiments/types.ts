/** What every experiment receives and returns. */

/** Options common to every experiment (`diffhep run NAME ...`). */
export interface ExperimentOptions {
  /** A smaller configuration that finishes in minutes. */
  quick: boolean;
  /** Seed of every random stream of the run. */
  seed: number;
  /** Output folder: results.json, PNGs, checkpoints. */
  out: string;
  /** Resume from a checkpoint in `out` when one is there. */
  resume: boolean;
  /** Show a progress bar. */
  progress: boolean;
}

/** An experiment module. */
export interface ExperimentModule {
  run(opts: ExperimentOptions): Promise<{ summary?: string } | void>;
}

/** A registry entry: a description and a lazy loader. */
export interface ExperimentEntry {
  description: string;
  load: () => Promise<ExperimentModule>;
}
