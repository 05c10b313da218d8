/**
 * The server as users run it, attacked: a huge page on a memory-limited server, and another
 * process writing into the served data directory. Real processes, real files, real sockets.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SaxesParser } from 'saxes';
import { freshDir, httpOrigin, run, start, stop, waitFor, type Child } from './support/cli-process.js';

const NOW = '2026-11-01T00:00:00Z';
const env = { EMREST_NOW: NOW };
const BASIC = 'Basic ' + Buffer.from('admin:pw').toString('base64');

async function seeded(sessions: number, seed = 1): Promise<string> {
  const dir = freshDir();
  const r = await run(['seed', '--data-dir', dir, '--sessions', String(sessions), '--seed', String(seed)], env, 120_000);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await run(['users', 'add', 'admin', '--password', 'pw', '--data-dir', dir])).code, 0);
  return dir;
}

async function serve(dir: string, nodeFlags: string[] = []): Promise<{ server: Child; origin: string }> {
  const server = start(['serve', '--data-dir', dir, '--http-port', '0', '--no-https'], env, nodeFlags);
  await waitFor(server, /listening http:/);
  return { server, origin: httpOrigin(server) };
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function request(origin: string, method: string, path: string, headers: Record<string, string> = {}) {
  const t0 = performance.now();
  const r = await fetch(origin + path, { method, headers });
  await r.arrayBuffer();
  return { status: r.status, token: r.headers.get('x-restsvcsessionid'), ms: performance.now() - t0 };
}

async function logonToken(origin: string): Promise<string> {
  const r = await request(origin, 'POST', '/api/sessionMngr/?v=latest', { Authorization: BASIC });
  assert.equal(r.status, 201);
  return r.token!;
}

/** Asks GET /api/ again and again until `until` settles: how many answered, the slowest, and their statuses. */
async function pingDuring(origin: string, until: Promise<unknown>) {
  let done = false;
  void until.finally(() => (done = true));
  const seen = { answered: 0, slowest: 0, statuses: new Set<number>() };
  while (!done) {
    const r = await request(origin, 'GET', '/api/');
    seen.answered++;
    seen.slowest = Math.max(seen.slowest, r.ms);
    seen.statuses.add(r.status);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return seen;
}

/** Streams an XML answer through a real XML parser, counting elements named `tag`. */
function countXml(origin: string, path: string, token: string, tag: string): Promise<{ status: number; bytes: number; count: number }> {
  return new Promise((resolve, reject) => {
    http.get(origin + path, { headers: { 'X-RestSvcSessionId': token } }, (res) => {
      const parser = new SaxesParser({ xmlns: true });
      let count = 0, bytes = 0;
      parser.on('opentag', (t) => void (t.local === tag && count++));
      pipeline(res, new Writable({
        write(chunk: Buffer, _enc, next) {
          bytes += chunk.length;
          parser.write(chunk.toString('utf8'));
          next();
        },
      })).then(() => {
        parser.close();
        resolve({ status: res.statusCode!, bytes, count });
      }, reject);
    }).on('error', reject);
  });
}

describe('a huge answer on a server with 64 MB of heap', () => {
  test('streams in bounded memory while other requests are answered', { timeout: 240_000 }, async () => {
    const dir = await seeded(20_000);
    const { server, origin } = await serve(dir, ['--max-old-space-size=64']);
    try {
      const token = await logonToken(origin);
      for (const [path, tag] of [
        ['/api/query?type=BackupTaskSession&format=Entities&pageSize=1000000', 'BackupTaskSession'],
        ['/api/backupTaskSessions?format=Entity', 'BackupTaskSession'],
      ]) {
        let peak = rssMiB(server.proc.pid!);
        const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(server.proc.pid!))), 20);
        const answer = countXml(origin, path, token, tag);
        const pings = await pingDuring(origin, answer);
        clearInterval(sampler);
        const { status, bytes, count } = await answer;
        assert.equal(status, 200);
        assert.ok(count > 60_000, `${count} entities`);
        assert.ok(bytes > 80e6, `${bytes} bytes`);
        assert.deepEqual([...pings.statuses], [200]);
        assert.ok(pings.answered > 3, `${pings.answered} GET /api/ answered meanwhile`);
        assert.ok(pings.slowest < 2000, `slowest GET /api/ meanwhile: ${pings.slowest} ms`);
        assert.ok(peak < 250, `peak RSS ${peak} MiB for a ${Math.round(bytes / 1e6)} MB answer`);
        console.log(`${path}: ${count} entities, ${(bytes / 1e6).toFixed(1)} MB, peak RSS ${peak.toFixed(0)} MiB, ` +
          `${pings.answered} GET /api/ meanwhile, slowest ${pings.slowest.toFixed(0)} ms`);
      }
      assert.equal(server.proc.exitCode, null, 'still running');
    } finally {
      await stop(server.proc);
    }
  });
});

describe('another process writes into the served data directory', () => {
  test('seed --replace and a CLI import: no 5xx, GET /api/ stays quick, logons and queries go on', { timeout: 240_000 }, async () => {
    const source = await seeded(3000, 5);
    const file = join(source, 'fleet.ndjson');
    assert.equal((await run(['export', '--data-dir', source, '--format', 'ndjson', '--output', file], env)).code, 0);
    const dir = await seeded(5000);
    const { server, origin } = await serve(dir);
    try {
      let token = await logonToken(origin);
      const writing = (async () => {
        const replaced = await run(['seed', '--replace', '--data-dir', dir, '--sessions', '40000', '--seed', '2'], env, 120_000);
        assert.equal(replaced.code, 0, replaced.stderr);
        const imported = await run(['import', file, '--data-dir', dir], env, 120_000);
        assert.equal(imported.code, 0, imported.stderr);
      })();
      // GET /api/ on its own loop: a synchronous wait anywhere in the server would stall it.
      const pings = pingDuring(origin, writing);
      let done = false;
      void writing.finally(() => (done = true));
      const statuses = new Set<string>();
      let rounds = 0, slowest = 0;
      while (!done) {
        const logon = await request(origin, 'POST', '/api/sessionMngr/?v=latest', { Authorization: BASIC });
        if (logon.status === 201) token = logon.token!;
        const query = await request(origin, 'GET', `/api/query?type=BackupJobSession&format=Entities&pageSize=5&page=${rounds % 40 + 1}`, { 'X-RestSvcSessionId': token });
        statuses.add(`logon ${logon.status}`).add(`query ${query.status}`);
        slowest = Math.max(slowest, logon.ms, query.ms);
        rounds++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await writing;
      const entry = await pings;
      assert.deepEqual([...statuses].sort(), ['logon 201', 'query 200']);
      assert.deepEqual([...entry.statuses], [200]);
      assert.ok(rounds > 10, `${rounds} rounds`);
      assert.ok(entry.slowest < 2000, `slowest GET /api/: ${entry.slowest} ms`);
      assert.ok(slowest < 2000, `slowest logon or query: ${slowest} ms`);
      console.log(`during seed --replace + import: ${rounds} logon + query rounds (slowest ${slowest.toFixed(0)} ms), ` +
        `${entry.answered} GET /api/ (slowest ${entry.slowest.toFixed(0)} ms)`);
      // The served data is the replaced fleet plus the import.
      const servers = await fetch(`${origin}/api/query?type=BackupServer&pageSize=1`, { headers: { 'X-RestSvcSessionId': token } });
      const pages = /PagesCount="(\d+)"/.exec(await servers.text())![1];
      assert.ok(Number(pages) > 3, `${pages} backup servers`);
    } finally {
      await stop(server.proc);
    }
  });
});
