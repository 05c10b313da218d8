/** The CLI as users run it: every command in child processes (see `support/cli-process.ts`). */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { verifyPassword } from '../src/auth/password.js';
import { child, children, NS, parseXml, text } from './support/xml.js';
import { freshDir, workDir as root, run, start, stop, waitFor } from './support/cli-process.js';
import { storedRows } from './support/sqlite-inspector.js';

const NOW = '2026-11-30T00:00:00Z';
/** One backup server as NDJSON, for `import` and the ingest API. */
const ONE_SERVER = JSON.stringify({
  Type: 'BackupServer', UID: 'urn:veeam:BackupServer:7b0756ab-ba64-4adc-bea6-98678686d19c', Name: 'vbr01.lab.local', Description: '', Port: 9392, Version: '13.0.1.1071',
}) + '\n';
/** The tables `seed` reports, in the order it reports them. */
const TABLES = [
  'backup_servers', 'jobs', 'agent_backup_jobs', 'nas_jobs', 'replica_job_sessions', 'replica_task_sessions', 'backup_job_sessions', 'backup_task_sessions',
  'repositories', 'restore_points',
];

// -------------------------------------------------------------------------------------------

describe('usage', { concurrency: true }, () => {
  for (const args of [[], ['--help'], ['-h'], ['help'], ['serve', '--help'], ['serve', '-h'], ['users', '--help'], ['users'], ['users', 'add', '--help'], ['seed', '--help']]) {
    test(`emrest ${args.join(' ')} prints usage and exits 0`, async () => {
      const dir = freshDir();
      const r = await run([...args, ...(args.length > 0 && args[0] !== 'help' && !args[0].startsWith('-') ? ['--data-dir', dir] : [])]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const command = args[0] === 'serve' || args[0] === 'users' || args[0] === 'seed' ? ` ${args[0]}` : '';
      assert.match(r.stdout, new RegExp(`^Usage: emrest${command} `));
      if (command === '') assert.match(r.stdout, /serve[\s\S]*users[\s\S]*seed/);
      const options: Record<string, string[]> = {
        serve: [
          '--data-dir', '--no-demo', '--host', '--http-port', '--https-port', '--no-http', '--no-https', '--public-url', '--tls-cert', '--tls-key',
          '--page-size', '--json-bom', '--log-level', '--log-format', '--logon-lockout', '--admin-token', '--admin-token-file',
          '--clock', '--now', '--speed', '--session-timeout', '--workers', '--help',
        ],
        seed: ['--data-dir', '--seed', '--servers', '--jobs', '--days', '--replace', '--help'],
        users: ['--password', '--role', '--data-dir', '--help'],
      };
      for (const o of options[args[0]] ?? []) assert.match(r.stdout, new RegExp(`^  (-h, )?${o} `, 'm'), `${o} is documented`);
      if (args[0] === 'users') assert.match(r.stdout, /add NAME[\s\S]*list[\s\S]*remove NAME/);
      assert.doesNotMatch(r.stdout, /listening/);
    });
  }

  for (const [args, message] of [
    [['--bogus'], /unknown command '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['serve', '--bogus'], /--bogus/],
    [['serve', '--http-port', 'eighty'], /--http-port/],
    [['serve', '--clock', 'slow'], /--clock/],
    [['serve', '--now', 'tomorrow'], /--now/],
    [['serve', '--speed', '0'], /--speed/],
    [['seed', '--nope', '1'], /--nope/],
    [['seed', '--days', '0'], /--days/],
    [['users', 'list', '--bogus'], /--bogus/],
    [['users', 'add', 'x'], /--password/],
    [['users', 'add', 'x', '--password', 'p', '--role', 'Emperor'], /--role/],
    [['users', 'frob'], /frob/],
  ] as [string[], RegExp][]) {
    test(`emrest ${args.join(' ')} exits 2 with a message`, async () => {
      const r = await run([...args, ...(args[0] === 'serve' || args[0] === 'seed' || args[0] === 'users' ? ['--data-dir', freshDir()] : [])]);
      assert.equal(r.code, 2, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assert.match(r.stderr, /^emrest: /);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stdout, /listening/);
    });
  }
});

describe('serve rejects bad options before writing anything', { concurrency: true }, () => {
  for (const [args, message] of [
    [['--page-size', '0'], /--page-size/],
    [['--public-url', 'ftp://x'], /--public-url/],
    [['--log-level', 'loud'], /--log-level/],
    [['--tls-cert', 'cert.pem'], /--tls-cert and --tls-key/],
  ] as [string[], RegExp][]) {
    test(`serve ${args.join(' ')}`, async () => {
      const dir = freshDir();
      const r = await run(['serve', ...args, '--http-port', '0', '--https-port', '0', '--data-dir', dir]);
      assert.equal(r.code, 2, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '', 'no administrator password printed (and lost), no demo data');
      assert.equal(existsSync(join(dir, 'emrest.db')), false);
    });
  }
});

describe('bad option values exit 2 with one line, before anything is written', { concurrency: true }, () => {
  const emptyFile = join(root, 'empty-token');
  writeFileSync(emptyFile, ' \n');
  const tokenFile = join(root, 'a-token');
  writeFileSync(tokenFile, 'not-printed\n');
  const missing = join(root, 'missing-file');
  for (const [args, message] of [
    [['serve', '--http-port', '70000'], /^emrest: --http-port must be an integer from 0 to 65535, got '70000'$/],
    [['serve', '--http-port', '-1'], /^emrest: --http-port must be an integer from 0 to 65535, got '-1'$/],
    [['serve', '--https-port', 'abc'], /^emrest: --https-port must be an integer from 0 to 65535, got 'abc'$/],
    [['serve', '--https-port', '99999999999999999999'], /--https-port/],
    [['serve', '--http-port', '9000', '--https-port', '9000'], /both listen on port 9000/],
    [['serve', '--page-size', '1.5'], /--page-size/],
    [['serve', '--page-size', '99999999999999999999'], /--page-size/],
    [['serve', '--page-size', '--json-bom'], /^emrest: --page-size needs a value/],
    [['serve', '--log-level', 'WARN!'], /--log-level/],
    [['serve', '--host', ''], /--host/],
    [['serve', '--logon-lockout', '5'], /^emrest: --logon-lockout: /],
    [['serve', '--logon-lockout', '0/1m'], /^emrest: --logon-lockout: /],
    [['serve', '--logon-lockout', 'ten/60s'], /^emrest: --logon-lockout: /],
    [['serve', '--tls-cert', missing, '--tls-key', missing], /^emrest: cannot read --tls-cert /],
    [['serve', '--tls-cert', tokenFile, '--tls-key', tokenFile], /^emrest: --tls-cert and --tls-key: /],
    [['serve', '--admin-token-file', missing], /^emrest: cannot read --admin-token-file /],
    [['serve', '--admin-token-file', emptyFile], /^emrest: --admin-token-file .* is empty$/],
    [['serve', '--admin-token', 'x', '--admin-token-file', tokenFile], /^emrest: give --admin-token or --admin-token-file, not both$/],
    [['seed', '--seed', '-1'], /^emrest: --seed must be an integer/],
    [['seed', '--seed', '99999999999999999999'], /--seed/],
    [['seed', '--days', '1000000'], /^emrest: --days must be an integer from 1 to 3650/],
    [['seed', '--sessions', '0'], /--sessions/],
    [['seed', '--sessions', '99999999999999'], /--sessions/],
    [['seed', '--servers', '0'], /--servers/],
    [['seed', '--jobs', 'many'], /--jobs/],
    [['seed', '--vms-per-job', '100000000'], /--vms-per-job/],
    [['seed', '--retries', '9007199254740991'], /--retries/],
    [['seed', '--failure-rate', '1.5'], /--failure-rate/],
    [['seed', '--failure-rate', '-0.1'], /--failure-rate/],
    [['seed', '--schedules', '1m'], /^emrest: --schedules: /],
    [['export', '--format', 'yaml'], /--format/],
    [['export', '--type', 'Tape'], /--type/],
    [['import', missing], /^emrest: cannot read /],
    [['users', 'add', 'x', '--password', 'p', '--role', 'Emperor'], /--role/],
    [['users', 'list', '--role', 'None'], /--role/],
    [['users', 'list', 'extra'], /extra/],
  ] as [string[], RegExp][]) {
    test(`emrest ${args.map((a) => (a.startsWith(root) ? `…${a.slice(root.length)}` : a || "''")).join(' ')}`, async () => {
      const dir = freshDir();
      const r = await run([...args, '--data-dir', dir]);
      assert.equal(r.code, 2, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assert.match(r.stderr, /^emrest: [^\n]+\n$/, 'one line');
      assert.match(r.stderr.trimEnd(), message);
      assert.doesNotMatch(r.stderr, /not-printed/, 'the token is not shown');
      assert.equal(r.stdout, '');
      assert.equal(existsSync(dir), false, 'the data directory is not created');
    });
  }
});

describe('data directory', { concurrency: true }, () => {
  const modeOf = (path: string) => statSync(path).mode & 0o777;

  test('serve creates it and its tls folder for the owner only; the TLS key is 0600', async () => {
    const dir = freshDir();
    const c = start(['serve', '--http-port', '0', '--https-port', '0', '--data-dir', dir], { EMREST_NOW: NOW });
    await waitFor(c, /^listening https:/m);
    assert.deepEqual(await stop(c.proc), { code: 0, signal: null }, c.err());
    assert.equal(modeOf(dir), 0o700);
    assert.equal(modeOf(join(dir, 'tls')), 0o700);
    assert.equal(modeOf(join(dir, 'tls', 'key.pem')), 0o600);
  });

  test('users add, seed and import create it 0700, with missing parents; an existing one keeps its mode', async () => {
    const file = join(root, 'one-server.ndjson');
    writeFileSync(file, ONE_SERVER);
    for (const args of [['users', 'add', 'ops', '--password', 'pw'], ['seed', '--days', '1'], ['import', file]]) {
      const parent = freshDir();
      const dir = join(parent, 'nested');
      const r = await run([...args, '--data-dir', dir], { EMREST_NOW: NOW });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(modeOf(dir), 0o700, `${args[0]}: the data directory`);
      assert.equal(modeOf(parent), 0o700, `${args[0]}: a parent it created`);

      const existing = freshDir();
      mkdirSync(existing);
      chmodSync(existing, 0o755);
      const again = await run([...args, '--data-dir', existing], { EMREST_NOW: NOW });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(modeOf(existing), 0o755, `${args[0]}: an existing directory is left as it is`);
    }
  });

  test('users list and remove without a data directory or database say so, exit 1 and create nothing', async () => {
    const dir = freshDir();
    for (const [command, what] of [[['list'], 'list'], [['remove', 'ops'], 'remove']] as const) {
      const r = await run(['users', ...command, '--data-dir', dir]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr, `emrest: no data directory at ${dir} (nothing to ${what})\n`);
      assert.equal(r.stdout, '');
      assert.equal(existsSync(dir), false);
    }
    mkdirSync(dir);
    const r = await run(['users', 'list', '--data-dir', dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `emrest: no database in ${dir} (nothing to list)\n`);
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe('users', () => {
  test('add, list, add again (changes role and password), remove', async () => {
    const dir = freshDir();
    const users = (...args: string[]) => run(['users', ...args, '--data-dir', dir]);
    const list = async () => {
      const r = await users('list');
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean);
    };
    const hashOf = (name: string) => {
      const db = new Database(join(dir, 'emrest.db'), { readonly: true });
      try {
        return (db.prepare('SELECT password_hash AS h FROM users WHERE name = ?').get(name) as { h: string } | undefined)?.h;
      } finally {
        db.close();
      }
    };

    let r = await users('add', 'TECH\\admin', '--password', 'x', '--role', 'PortalUser');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Created user TECH\\admin \(PortalUser\)$/m);
    assert.deepEqual(await list(), ['TECH\\admin\tPortalUser']);
    assert.ok(await verifyPassword('x', hashOf('TECH\\admin')!));

    r = await users('add', 'tech\\ADMIN', '--password', 'y', '--role', 'portaladministrator');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Updated user tech\\ADMIN \(PortalAdministrator\)$/m);
    const [only, ...more] = await list();
    assert.deepEqual(more, [], 'still one user');
    assert.equal(only.split('\t')[0].toLowerCase(), 'tech\\admin');
    assert.equal(only.split('\t')[1], 'PortalAdministrator');
    assert.ok(await verifyPassword('y', hashOf('TECH\\admin')!), 'the password changed');

    r = await users('add', 'viewer', '--password', 'v', '--role', 'RestoreOperator');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await list()).length, 2);

    r = await users('remove', 'TECH\\admin');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Removed user TECH\\admin$/m);
    assert.deepEqual(await list(), ['viewer\tRestoreOperator']);

    r = await users('remove', 'TECH\\admin');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^emrest: no user named TECH\\admin/);
  });
});

/** Every resource row of the data directory's database, in id order. */
function snapshotOf(dir: string) {
  const db = new Database(join(dir, 'emrest.db'), { readonly: true });
  try {
    return Object.fromEntries(TABLES.map((t) => [t, storedRows(db, t)]));
  } finally {
    db.close();
  }
}

describe('seed', () => {
  test('seeding twice with the same options gives the same rows', async () => {
    const dir = freshDir();
    const snapshot = () => {
      const rows = snapshotOf(dir);
      return Object.fromEntries(TABLES.map((t) => [t, (rows[t] as { id: string }[]).map((r) => r.id)]));
    };
    const seedOnce = async () => {
      const r = await run(['seed', '--seed', '3', '--days', '5', '--data-dir', dir], { EMREST_NOW: NOW });
      assert.equal(r.code, 0, r.stderr);
      const m = /^Seeded (\d+) backup servers, (\d+) jobs \(and (\d+) agent, (\d+) file share\), (\d+) replica sessions with (\d+) task sessions, (\d+) backup sessions with (\d+) task sessions, (\d+) repositories, (\d+) restore points into (.+)$/m.exec(r.stdout);
      assert.ok(m, r.stdout);
      assert.equal(m[11], join(dir, 'emrest.db'));
      return m.slice(1, 11).map(Number);
    };

    const printed1 = await seedOnce();
    const first = snapshot();
    assert.deepEqual(TABLES.map((t) => first[t].length), printed1);
    assert.ok(first.replica_job_sessions.length > 0 && first.replica_task_sessions.length > 0);

    const printed2 = await seedOnce();
    const second = snapshot();
    assert.deepEqual(printed2, printed1);
    assert.deepEqual(TABLES.map((t) => second[t].length), printed1, 'same row counts');
    assert.deepEqual(second, first, 'same rows');
  });

  test('--replace puts a new fleet in place of the old one; users stay', async () => {
    const seed = async (dir: string, ...args: string[]) => {
      const r = await run(['seed', '--days', '4', '--data-dir', dir, ...args], { EMREST_NOW: NOW });
      assert.equal(r.code, 0, r.stderr);
    };
    const dir = freshDir();
    const added = await run(['users', 'add', 'ops', '--password', 'correct horse 1', '--data-dir', dir]);
    assert.equal(added.code, 0, added.stderr);
    await seed(dir, '--seed', '3');
    const old = snapshotOf(dir);
    await seed(dir, '--seed', '4', '--replace');
    const replaced = snapshotOf(dir);
    const other = freshDir();
    await seed(other, '--seed', '4');
    assert.deepEqual(replaced, snapshotOf(other), 'exactly the rows of that seed in a new directory');
    assert.notDeepEqual(replaced.replica_job_sessions, old.replica_job_sessions);
    const db = new Database(join(dir, 'emrest.db'), { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT name FROM users').all(), [{ name: 'ops' }]);
    } finally {
      db.close();
    }
  });
});

// -------------------------------------------------------------------------------------------

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** A request over HTTPS to a self-signed server. */
function httpsRequest(url: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: init.method ?? 'GET', headers: init.headers, rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => void (body += s));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

const QUERY = '/api/query?type=ReplicaJobSession&format=Entities&filter=Result==Success&pageSize=3';
const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

/** Checks the seed-style query's answer: 3 successful sessions, links on the given base. */
function checkQuery(body: string, base: string) {
  const qr = parseXml(body).documentElement!;
  assert.equal(qr.localName, 'QueryResult');
  const sessions = children(child(child(qr, 'Entities'), 'ReplicaJobSessions'), 'ReplicaJobSession');
  assert.equal(sessions.length, 3);
  for (const s of sessions) assert.equal(text(s, 'Result'), 'Success');
  const paging = child(qr, 'PagingInfo');
  assert.equal(paging.getAttribute('PageSize'), '3');
  assert.equal(paging.getAttribute('PageNum'), '1');
  const links = children(child(paging, 'Links'), 'Link');
  assert.equal(links[0].getAttribute('Rel'), 'First');
  assert.equal(links[0].getAttribute('Href'), `${base}/query?type=ReplicaJobSession&format=Entities&filter=Result%3d%3dSuccess&pageSize=3&page=1`); // profile 12: .NET form encoding (issue 16 item 4)
  return sessions.map((s) => s.getAttribute('UID'));
}

describe('serve', () => {
  test('first start creates the administrator and demo data, serves HTTP and HTTPS; a restart keeps sessions; seed --replace under it', { timeout: 45_000 }, async () => {
    const dir = freshDir();
    const env = { EMREST_NOW: NOW };
    const args = ['serve', '--http-port', '0', '--https-port', '0', '--data-dir', dir];
    const LISTENING = /^listening (https?):\/\/127\.0\.0\.1:(\d+)\/api\/$/gm;
    const ports = (out: string) => {
      const found = [...out.matchAll(LISTENING)].map((m) => [m[1], Number(m[2])] as const);
      assert.deepEqual(found.map(([scheme]) => scheme), ['http', 'https'], `one http and one https line:\n${out}`);
      return { http: found[0][1], https: found[1][1] };
    };

    // First start on an empty directory.
    const first = start(args, env);
    await waitFor(first, /^listening https:.*$/m);
    const out1 = first.out();
    const passwords = [...out1.matchAll(/^Created user "administrator" \(Portal Administrator\) with password: (\S+)$/gm)];
    assert.equal(passwords.length, 1, out1);
    const password = passwords[0][1];
    assert.match(out1, /^Created demo data: 3 backup servers, 24 jobs \(and \d+ agent, \d+ file share\), \d+ replica sessions with \d+ task sessions, \d+ backup sessions with \d+ task sessions, \d+ repositories, \d+ restore points$/m);
    const p1 = ports(out1);
    assert.notEqual(p1.http, 0);
    assert.notEqual(p1.https, 0);
    const httpBase = `http://127.0.0.1:${p1.http}/api`, httpsBase = `https://127.0.0.1:${p1.https}/api`;

    // Log on over HTTP (fetch); a wrong password is refused.
    const bad = await fetch(`${httpBase}/sessionMngr/?v=latest`, { method: 'POST', headers: { Authorization: basic('administrator', 'wrong') } });
    assert.equal(bad.status, 401);
    await bad.text();
    const logon = await fetch(`${httpBase}/sessionMngr/?v=latest`, { method: 'POST', headers: { Authorization: basic('administrator', password) } });
    assert.equal(logon.status, 201, await logon.text());
    const httpToken = logon.headers.get('x-restsvcsessionid')!;
    const httpSessionId = Buffer.from(httpToken, 'base64').toString('ascii');
    const q1 = await fetch(httpBase.replace(/\/api$/, '') + QUERY, { headers: { 'X-RestSvcSessionId': httpToken } });
    const body1 = await q1.text();
    assert.equal(q1.status, 200, body1);
    const uids = checkQuery(body1, httpBase);

    // Log on over HTTPS (self-signed certificate) and run the same query.
    const tlsLogon = await httpsRequest(`${httpsBase}/sessionMngr/?v=latest`, {
      method: 'POST',
      headers: { Authorization: basic('administrator', password), 'Content-Length': '0' },
    });
    assert.equal(tlsLogon.status, 201, tlsLogon.body);
    const httpsToken = tlsLogon.headers['x-restsvcsessionid'] as string;
    assert.match(tlsLogon.headers.location as string, new RegExp(`^${httpsBase.replace(/\./g, '\\.')}/logonSessions/`));
    const q2 = await httpsRequest(httpsBase.replace(/\/api$/, '') + QUERY, { headers: { 'X-RestSvcSessionId': httpsToken } });
    assert.equal(q2.status, 200, q2.body);
    assert.deepEqual(checkQuery(q2.body, httpsBase), uids, 'same data on both listeners');

    const exit1 = await stop(first.proc);
    assert.deepEqual(exit1, { code: 0, signal: null }, first.err());
    assert.equal(ports(first.out()).http, p1.http, 'still one line per listener');

    // Restart on the same directory: no new password or demo data; old tokens still work.
    const second = start(args, env);
    try {
      await waitFor(second, /^listening https:.*$/m);
      const out2 = second.out();
      assert.doesNotMatch(out2, /password/i);
      assert.doesNotMatch(out2, /Created/);
      const p2 = ports(out2);

      const sessions = await fetch(`http://127.0.0.1:${p2.http}/api/logonSessions`, {
        headers: { 'X-RestSvcSessionId': httpToken, Accept: 'application/json' },
      });
      const listed = await sessions.text();
      assert.equal(sessions.status, 200, listed);
      assert.ok(listed.includes(httpSessionId), listed);
      const q3 = await fetch(`http://127.0.0.1:${p2.http}${QUERY}`, { headers: { 'X-RestSvcSessionId': httpToken } });
      const body3 = await q3.text();
      assert.equal(q3.status, 200, body3);
      assert.deepEqual(checkQuery(body3, `http://127.0.0.1:${p2.http}/api`), uids, 'same data after restart');
      const q4 = await httpsRequest(`https://127.0.0.1:${p2.https}${QUERY}`, { headers: { 'X-RestSvcSessionId': httpsToken } });
      assert.equal(q4.status, 200, q4.body);

      // Another fleet replaces the data under the running server: the next answer is from it,
      // and the logon survives (users and logon sessions stay).
      const replaced = await run(['seed', '--seed', '5', '--days', '6', '--replace', '--data-dir', dir], env);
      assert.equal(replaced.code, 0, replaced.stderr);
      const q5 = await fetch(`http://127.0.0.1:${p2.http}${QUERY}`, { headers: { 'X-RestSvcSessionId': httpToken } });
      const body5 = await q5.text();
      assert.equal(q5.status, 200, body5);
      const newUids = checkQuery(body5, `http://127.0.0.1:${p2.http}/api`);
      assert.ok(newUids.every((u) => !uids.includes(u)), 'sessions of the new fleet');

      // A token that never existed is still refused.
      const bogus = await fetch(`http://127.0.0.1:${p2.http}${QUERY}`, {
        headers: { 'X-RestSvcSessionId': Buffer.from('00000000-0000-4000-8000-000000000000').toString('base64') },
      });
      assert.equal(bogus.status, 401);
      await bogus.text();
    } finally {
      const exit2 = await stop(second.proc);
      assert.deepEqual(exit2, { code: 0, signal: null }, second.err());
    }
  });
});

describe('serve on a data directory without backup servers', { concurrency: true }, () => {
  const LISTENING = /^listening (http:\/\/127\.0\.0\.1:\d+)\/api\/$/m;
  const serveHttp = (dir: string, ...args: string[]) =>
    start(['serve', '--no-https', '--http-port', '0', '--data-dir', dir, ...args], { EMREST_NOW: NOW });
  const baseOf = (c: ReturnType<typeof start>) => LISTENING.exec(c.out())![1];
  const addUser = async (dir: string) => {
    const r = await run(['users', 'add', 'ops', '--password', 'correct horse 1', '--data-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
  };
  const logOn = (base: string, password = 'correct horse 1') =>
    fetch(`${base}/api/sessionMngr/?v=latest`, { method: 'POST', headers: { Authorization: basic('ops', password) } });
  async function backupServers(base: string): Promise<number> {
    const logon = await logOn(base);
    assert.equal(logon.status, 201, await logon.text());
    const r = await fetch(`${base}/api/query?type=BackupServer&format=Entities`, { headers: { 'X-RestSvcSessionId': logon.headers.get('x-restsvcsessionid')! } });
    const body = await r.text();
    assert.equal(r.status, 200, body);
    return parseXml(body).getElementsByTagNameNS(NS, 'BackupServer').length;
  }

  test('--no-demo: a directory with only users is served as it is, with no backup servers', async () => {
    const dir = freshDir();
    await addUser(dir);
    const c = serveHttp(dir, '--no-demo');
    try {
      await waitFor(c, LISTENING);
      assert.doesNotMatch(c.out(), /Created|demo/, 'no administrator (there is a user), no demo data');
      assert.equal(await backupServers(baseOf(c)), 0);
    } finally {
      assert.deepEqual(await stop(c.proc), { code: 0, signal: null }, c.err());
    }
  });

  test('--no-demo on a new directory: the administrator, and no demo data', async () => {
    const dir = freshDir();
    const c = serveHttp(dir, '--no-demo');
    await waitFor(c, LISTENING);
    assert.deepEqual(await stop(c.proc), { code: 0, signal: null }, c.err());
    assert.match(c.out(), /^Created user "administrator"/m);
    assert.doesNotMatch(c.out(), /demo/);
    assert.deepEqual(snapshotOf(dir).backup_servers, []);
  });

  test('without --no-demo, the demo data it adds to a directory with users is announced, with how to avoid it', async () => {
    const dir = freshDir();
    await addUser(dir);
    const c = serveHttp(dir);
    try {
      await waitFor(c, LISTENING);
      const lines = c.out().split('\n').filter(Boolean);
      assert.match(
        lines[0],
        /^The data directory has users but no backup servers: created demo data \(3 backup servers, 24 jobs \(and \d+ agent, \d+ file share\), .+\); start with --no-demo to keep it empty$/,
      );
      assert.doesNotMatch(c.out(), /administrator/);
      assert.equal(await backupServers(baseOf(c)), 3);
    } finally {
      assert.deepEqual(await stop(c.proc), { code: 0, signal: null }, c.err());
    }
  });

  test('--admin-token-file: the token from the file opens the ingest API, another does not; it is never printed or logged', async () => {
    const dir = freshDir();
    await addUser(dir);
    const token = 'file-token-4f1c9e';
    const file = join(root, 'admin-token');
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const c = serveHttp(dir, '--no-demo', '--admin-token-file', file, '--log-level', 'trace');
    try {
      await waitFor(c, LISTENING);
      const base = baseOf(c);
      const post = (bearer: string) =>
        fetch(`${base}/admin/v1/import`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${bearer}` },
          body: ONE_SERVER,
        });
      const wrong = await post('file-token');
      assert.equal(wrong.status, 401, await wrong.text());
      const right = await post(token);
      assert.notEqual(right.status, 401);
      assert.equal(right.status, 200, await right.text());
      assert.equal(await backupServers(base), 1);
    } finally {
      assert.deepEqual(await stop(c.proc), { code: 0, signal: null }, c.err());
    }
    assert.ok(!c.out().includes(token) && !c.err().includes(token), 'the token appears in no output or log');
  });

  test('--logon-lockout 2/1m locks a user name out after two failures; 0 turns the lockout off', async () => {
    const dir = freshDir();
    await addUser(dir);
    const failThenLogOn = async (lockout: string, failures: number) => {
      const c = serveHttp(dir, '--no-demo', '--logon-lockout', lockout);
      try {
        await waitFor(c, LISTENING);
        for (let i = 0; i < failures; i++) {
          const bad = await logOn(baseOf(c), 'wrong');
          assert.equal(bad.status, 401);
          await bad.text();
        }
        const r = await logOn(baseOf(c));
        await r.text();
        return r.status;
      } finally {
        assert.deepEqual(await stop(c.proc), { code: 0, signal: null }, c.err());
      }
    };
    assert.equal(await failThenLogOn('2/1m', 2), 401, 'locked out: even the right password is refused');
    assert.equal(await failThenLogOn('0', 12), 201, 'no lockout, even beyond the default 10 failures');
  });
});
