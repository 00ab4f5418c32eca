/** `diffhep info --json` in a child process: the backend in use, what was tried, versions. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'diffhep.js');

function run(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, DIFFHEP_BACKEND: undefined, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('diffhep info', () => {
  it('--json prints {backend, tried, versions}; the backend here is wasm', async () => {
    const r = await run(['info', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout) as { backend: string; tried: { name: string; ok: boolean; reason?: string }[]; versions: Record<string, string> };
    assert.deepEqual(Object.keys(info).sort(), ['backend', 'tried', 'versions']);
    assert.equal(info.backend, 'wasm');
    assert.ok(info.tried.some((t) => t.name === 'wasm' && t.ok), JSON.stringify(info.tried));
    assert.ok(info.tried.filter((t) => !t.ok).every((t) => typeof t.reason === 'string' && t.reason.length > 0), 'failed attempts carry a reason');
    assert.match(info.versions['@tensorflow/tfjs'], /^\d+\.\d+\.\d+/);
    assert.match(info.versions['@tensorflow/tfjs-backend-wasm'], /^\d+\.\d+\.\d+/);
    assert.equal(info.versions.node, process.versions.node);
  });

  it('an unknown DIFFHEP_BACKEND exits with status 1 and one line naming it', async () => {
    const r = await run(['info', '--json'], { DIFFHEP_BACKEND: 'quantum' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown backend 'quantum'/);
    assert.ok(r.stderr.trim().split('\n').length <= 2, r.stderr);
  });
});
