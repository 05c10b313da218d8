import { closeSync, fsyncSync, openSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Logon sessions live in their own file beside the data: a long data write never holds up a logon. */
export const logonsPath = (path: string) => join(dirname(path), `${basename(path).replace(/\.db$/, '')}-logons.db`);

/** Where a new database for `path` is built by this process (see `buildSqliteFile`). */
export const buildingPath = (path: string) => `${path}.building-${process.pid}`;

export function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

/** Files of builds beside `path` whose process is gone (killed mid-load): gigabytes, at 1M. */
export function removeAbandonedBuilds(path: string): void {
  const prefix = `${basename(path)}.building-`;
  for (const name of readdirSync(dirname(path))) {
    const pid = name.startsWith(prefix) ? Number.parseInt(name.slice(prefix.length), 10) : NaN;
    if (Number.isInteger(pid) && pid !== process.pid && !isRunning(pid)) rmSync(join(dirname(path), name), { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
