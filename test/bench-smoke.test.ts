import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * `npm run bench` must not rot: its smoke mode (10k sessions, a fraction of a second per
 * measurement, no peers, no network) runs end to end and prints the table. Speed is not asserted.
 */
test('bench --smoke runs end to end and prints the results table', { timeout: 120_000 }, async () => {
  // The bench of this build (beside this file), whichever directory it was built into.
  const child = spawn(process.execPath, [fileURLToPath(new URL('../bench/run.js', import.meta.url)), '--smoke', '--no-install'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  assert.equal(code, 0, `bench --smoke exited ${code}\n--- stdout\n${out.slice(-3000)}\n--- stderr\n${err.slice(-3000)}`);
  assert.match(out, /^\| Request \| Format \| emrest req\/s \| p50 \| p99 \| err \| Fastify static req\/s /m);
  for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) {
    for (const format of ['JSON', 'XML']) {
      // Every emrest cell filled in, and no emrest errors (every response was 200/201).
      assert.match(out, new RegExp(`^\\| ${id} \\| ${format} \\| [\\d.]+ \\| (<1|[\\d.]+) \\| (<1|[\\d.]+) \\| 0 \\|`, 'm'), `row ${id} ${format}`);
    }
  }
  assert.match(out, /emrest memory .*max/);
});
