/**
 * What the store leaves on disk: private files (the database, its WAL and shared-memory files,
 * the logon-session file), and nothing of a build that a killed process abandoned.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadFixture } from './support/fixture.js';
import { openStore, storeLocation } from '../src/store/open.js';
import { logonsPath } from '../src/store/sqlite/sqlite-store.js';

const root = mkdtempSync(join(tmpdir(), 'emrest-files-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => mkdtempSync(join(root, `d${++n}-`));
const mode = (path: string) => statSync(path).mode & 0o777;

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('data files', () => {
  test('the database, its WAL and SHM files and the logon-session file are readable by the owner only', async () => {
    const settings = { dataDir: freshDir() };
    const path = storeLocation(settings);
    const store = await openStore(settings);
    try {
      await loadFixture(store);
      await store.createLogonSession({ id: 'l1', userName: 'ops', createdAt: 1, lastSeen: 1 }, { expiredBefore: 0, maxPerUser: 5 });
      const files = [path, `${path}-wal`, `${path}-shm`, logonsPath(path), `${logonsPath(path)}-wal`, `${logonsPath(path)}-shm`];
      for (const f of files) assert.equal(mode(f).toString(8), '600', f);
    } finally {
      await store.close();
    }
  });

  test('opening a data directory removes the files of builds whose process is gone, and only those', async () => {
    const dir = freshDir();
    const dead = `emrest.db.building-${await deadPid()}`;
    const running = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const live = `emrest.db.building-${running.pid}`;
      for (const name of [dead, `${dead}-wal`, `${dead}-journal`, live]) writeFileSync(join(dir, name), 'x');
      const store = await openStore({ dataDir: dir });
      await store.close();
      assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.building-')), [live]);
      assert.ok(!existsSync(join(dir, dead)));
    } finally {
      running.kill('SIGKILL');
    }
  });
});
