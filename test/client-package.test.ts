/**
 * `emrest/client` as users get it: the package's "exports" resolve `emrest/client` to the
 * built client and its type declarations. Checked against this build (wherever it was built:
 * `dist/` by `npm test`, or another `--outDir`) through a package laid out as installed —
 * the real package.json, `dist` linked to this build — by a child Node (an import by package
 * name from outside, and a self-reference from inside the package) and by `tsc` type-checking
 * a consumer with NodeNext resolution.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { generateDemo } from '../src/demo/demo.js';
import { FIXTURE_NOW } from './support/fixture.js';
import { startServer } from './support/server.js';

const run = promisify(execFile);

/** This build's output root (…/dist or …/dist-client): the test is at <root>/test/. */
const BUILD = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The package root: the nearest directory above the build holding package.json. */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
const ROOT = packageRoot(dirname(BUILD));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };

describe('package exports: emrest/client', () => {
  let dir: string;
  let installed: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'emrest-client-pkg-'));
    installed = join(dir, 'node_modules', PKG.name);
    mkdirSync(installed, { recursive: true });
    copyFileSync(join(ROOT, 'package.json'), join(installed, 'package.json'));
    symlinkSync(BUILD, join(installed, 'dist'), 'dir');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('"exports" maps ./client to the built client and its declarations', () => {
    assert.equal(PKG.name, 'emrest');
    assert.deepEqual(PKG.exports['./client'], { types: './dist/src/client/index.d.ts', import: './dist/src/client/index.js' });
    assert.ok(existsSync(join(BUILD, 'src/client/index.js')), 'the client is built');
    assert.ok(existsSync(join(BUILD, 'src/client/index.d.ts')), 'declarations are emitted (tsconfig "declaration": true)');
  });

  test("import { EmrestAdmin, EmClient } from 'emrest/client' works from outside and by self-reference", async () => {
    const probe = `
      const m = await import('emrest/client');
      const names = ['EmrestAdmin', 'EmClient', 'EmrestAdminError', 'EmApiError', 'f', 'filterFor'];
      const missing = names.filter((n) => typeof m[n] === 'undefined');
      if (missing.length) throw new Error('missing exports: ' + missing);
      console.log(JSON.stringify({ url: import.meta.resolve('emrest/client'), filter: String(m.f.eq('Result', 'Failed')) }));
    `;
    writeFileSync(join(dir, 'outside.mjs'), probe);
    writeFileSync(join(dir, 'node_modules', PKG.name, 'self.mjs'), probe);
    for (const file of [join(dir, 'outside.mjs'), join(installed, 'self.mjs')]) {
      const { stdout } = await run(process.execPath, [file], { cwd: dir });
      const out = JSON.parse(stdout) as { url: string; filter: string };
      assert.equal(out.filter, 'Result==Failed');
      // Through the installed package's dist link, to this build (Node resolves symlinks).
      assert.equal(out.url, pathToFileURL(realpathSync(join(installed, 'dist/src/client/index.js'))).href, file);
      assert.equal(out.url, pathToFileURL(realpathSync(join(BUILD, 'src/client/index.js'))).href, file);
    }
  });

  test('this very package resolves emrest/client by self-reference (when built into dist/)', { skip: BUILD !== join(ROOT, 'dist') && 'built outside dist/' }, async () => {
    const name = `${PKG.name}/client`;
    const m = (await import(name)) as typeof import('../src/client/index.js');
    assert.equal(typeof m.EmrestAdmin, 'function');
    assert.equal(typeof m.EmClient, 'function');
  });

  test('TypeScript (NodeNext) finds the declarations through "exports" and checks a consumer', async () => {
    writeFileSync(
      join(dir, 'consumer.ts'),
      `import { EmClient, EmrestAdmin, EmApiError, f, filterFor, type BackupJobSession, type QueryPage } from 'emrest/client';
const admin = new EmrestAdmin({ baseUrl: 'http://127.0.0.1:9399', token: 't' });
const em = new EmClient({ baseUrl: 'http://127.0.0.1:9399', format: 'xml' });
export async function check(): Promise<void> {
  const moved = await admin.clock.advance('PT1H');
  const started: number = moved.ran.sessionsStarted;
  const page: QueryPage<BackupJobSession> = await em.query('BackupJobSession', { filter: (q) => q.eq('Result', 'Failed'), sortDesc: 'CreationTime' });
  const result: 'None' | 'Success' | 'Warning' | 'Failed' = page.items[0].Result;
  // @ts-expect-error: not a member of Result
  filterFor('BackupJobSession').eq('Result', 'Succeeded');
  // @ts-expect-error: not a sort field of BackupServer
  await em.query('BackupServer', { sortAsc: 'CreationTime' });
  try { await em.logon('u', 'p'); } catch (e) { if (e instanceof EmApiError) console.log(e.status, e.headers.get('x'), started, result, String(f.eq('A', 1))); }
}
`,
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
        files: ['consumer.ts'],
      }),
    );
    writeFileSync(join(dir, 'package.json'), '{"type":"module","private":true}');
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    try {
      await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir });
    } catch (e) {
      const { stdout, stderr } = e as { stdout: string; stderr: string };
      assert.fail(`tsc failed:\n${stdout}${stderr}`);
    }
  });

  /** The first js block after `heading` in README.md. */
  function readmeExample(heading: string): string {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const at = readme.indexOf(`\n${heading}\n`);
    const m = /```js\n([\s\S]*?)```/.exec(readme.slice(at));
    assert.ok(at >= 0 && m, `README.md has a js example under ${JSON.stringify(heading)}`);
    return m[1];
  }

  /** Runs a README example as its own `node --test` run against a fresh demo estate; every test in it passes. */
  async function runExample(file: string, source: string, tests: number): Promise<void> {
    writeFileSync(join(dir, file), source);
    const token = 'readme-example-token-0123456789';
    const server = await startServer({
      adminToken: token,
      load: (store) => generateDemo(store, { seed: 5, servers: 2, jobs: 3, backupJobs: 4, days: 2, now: Date.parse(FIXTURE_NOW) }),
      simulate: true,
    });
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, EMREST_URL: server.url, EMREST_ADMIN_TOKEN: token, EM_USER: 'tech\\admin', EM_PASSWORD: 'Passw0rd' };
      delete env.NODE_TEST_CONTEXT; // a test run of its own, not a subtest of this one
      try {
        const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', file], { cwd: dir, env });
        assert.match(stdout, new RegExp(`^# pass ${tests}$`, 'm'));
        assert.match(stdout, /^# fail 0$/m);
      } catch (e) {
        const { stdout, stderr } = e as { stdout: string; stderr: string };
        assert.fail(`the README example ${file} failed:\n${stdout}${stderr}`);
      }
      assert.equal((await fetch(`${server.url}/admin/v1/faults`, { headers: { Authorization: `Bearer ${token}` } }).then((r) => r.json())).faults.length, 0, 'its after() reset the control plane');
    } finally {
      await server.close();
    }
  }

  test("the README's Client SDK example runs verbatim against a demo estate", async () => {
    await runExample('monitoring.test.mjs', readmeExample('## Client SDK'), 2);
  });

  test("the README's retry and re-logon example runs verbatim against a demo estate", async () => {
    const source = readmeExample('### A complete example: an integration that retries and logs on again');
    assert.match(source, /status: 503/);
    assert.match(source, /expireSession: true/);
    await runExample('integration.test.mjs', source, 3);
  });
});
