/** Reading a workspace file (plain pyhf JSON, or a file holding {"workspace": ...}). */
import { readFileSync } from 'node:fs';
import { DiffhepError } from '../../autodiff/index.js';
import { HistFactoryModel, type ModelOptions } from './model.js';

/**
 * Loads a pyhf JSON workspace from `path` and compiles the model.
 *
 * @example
 * ```ts
 * const model = loadWorkspaceModel('workspace.json');
 * ```
 */
export function loadWorkspaceModel(path: string, options: ModelOptions = {}): HistFactoryModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DiffhepError(`cannot read workspace '${path}': ${(e as Error).message}`, 'workspace');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DiffhepError(`workspace '${path}' is not valid JSON: ${(e as Error).message}`, 'workspace');
  }
  const inner = json && typeof json === 'object' && !Array.isArray(json) && 'workspace' in json && !('channels' in json) ? (json as { workspace: unknown }).workspace : json;
  return HistFactoryModel.fromJSON(inner, options);
}

/** Interpolation codes from command-line strings, checked. */
export function interpOptions(normsys: string, histosys: string): ModelOptions {
  if (normsys !== 'code1' && normsys !== 'code4') throw new DiffhepError(`normsys interpolation must be code1 or code4, got '${normsys}'`, 'normsys');
  if (histosys !== 'code0' && histosys !== 'code4p') throw new DiffhepError(`histosys interpolation must be code0 or code4p, got '${histosys}'`, 'histosys');
  return { normsys, histosys };
}
