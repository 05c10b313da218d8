/**
 * The commands on a PostgreSQL database (`--database URL`, `EMREST_DATABASE`), as users run
 * them: users, seed, export and import on one database; a store named twice, a URL that is not
 * PostgreSQL's, and a database that cannot be used are one line each and exit 2.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { run } from './support/cli-process.js';
import { freshPostgresUrl } from './support/postgres.js';

test('users, seed, export and import work on one database; EMREST_DATABASE names it too', async () => {
  const url = await freshPostgresUrl();
  const db = ['--database', url];
  let r = await run(['users', 'add', 'TECH\\ops', '--password', 'pw', '--role', 'PortalUser', ...db]);
  assert.equal(r.code, 0, r.stderr);
  r = await run(['users', 'list'], { EMREST_DATABASE: url });
  assert.equal(r.stdout.trim(), 'TECH\\ops\tPortalUser');
  r = await run(['seed', ...db, '--servers', '1', '--jobs', '2', '--backup-jobs', '1', '--days', '2'], { EMREST_NOW: '2026-11-30T00:00:00Z' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Seeded 1 backup servers?, 3 jobs .* into postgres:\/\/postgres@127\.0\.0\.1:5432\//m);
  const exported = await run(['export', ...db, '--type', 'Job']);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.stdout.trim().split('\n').length, 3);
  assert.match(exported.stderr, /^Exported 3 Job$/m);
  r = await run(['users', 'remove', 'tech\\OPS'], { EMREST_DATABASE: url });
  assert.equal(r.code, 0, r.stderr);
});

test('a store named twice, a URL of another database, a database that cannot be used: one line, exit 2', async () => {
  const url = await freshPostgresUrl();
  const password = new URL(url);
  password.username = 'nobody';
  password.password = 's3cret';
  for (const [args, message] of [
    [['users', 'list', '--database', url, '--data-dir', 'd'], /^emrest: --database and --data-dir name two different stores: give one$/],
    [['users', 'list', '--database', 'mysql://root@127.0.0.1/x'], /^emrest: --database must be a postgres:\/\/ URL/],
    [['users', 'list', '--database', 'postgres://postgres@127.0.0.1:1/x'], /^emrest: cannot reach the database: connect ECONNREFUSED 127\.0\.0\.1:1$/],
    [['serve', '--database', password.toString(), '--http-port', '0', '--no-https'], /^emrest: cannot reach the database: .*"nobody"/],
  ] as const) {
    const r = await run([...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.trim(), message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /s3cret/, 'no password in messages');
  }
});
