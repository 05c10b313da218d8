/**
 * The CLI as users run it: the compiled `dist/src/cli/main.js` in child processes, each with
 * its own temporary data directory. Children are tracked and killed (SIGTERM, then SIGKILL)
 * when the test file ends, so no file ever hangs.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** The children's working directory, removed with everything in it when the file ends. */
export const workDir = mkdtempSync(join(tmpdir(), 'emrest-cli-'));
let dirNo = 0;
/** A data directory path that does not exist yet. */
export const freshDir = () => join(workDir, `d${++dirNo}`);

/** Every child still running; `after` kills what a failed test left behind. */
const live = new Set<ChildProcess>();

after(async () => {
  await Promise.all([...live].map((p) => stop(p, 'SIGKILL')));
  rmSync(workDir, { recursive: true, force: true });
});

/** The environment of a child: ours without EMREST_*, plus the given variables. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('EMREST_')) delete env[k];
  return { ...env, ...extra };
}

export interface Exit { code: number | null; signal: NodeJS.Signals | null }

export interface Child {
  readonly proc: ChildProcess;
  readonly exited: Promise<Exit>;
  out(): string;
  err(): string;
}

/** Starts `emrest ARGS…` (with node flags before the script, e.g. a heap limit). */
export function start(args: string[], env: Record<string, string> = {}, nodeFlags: string[] = []): Child {
  const proc = spawn(process.execPath, [...nodeFlags, MAIN, ...args], { cwd: workDir, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  let stdout = '', stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => void (stdout += s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => void (stderr += s));
  const exited = new Promise<Exit>((resolve) =>
    proc.once('close', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    }),
  );
  return { proc, exited, out: () => stdout, err: () => stderr };
}

/** Sends a signal and waits for the exit; escalates to SIGKILL after 5 s. */
export async function stop(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
  if (proc.exitCode !== null || proc.signalCode !== null) return { code: proc.exitCode, signal: proc.signalCode };
  const exited = new Promise<Exit>((resolve) => proc.once('exit', (code, sig) => resolve({ code, signal: sig })));
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * How many `run` commands are in flight at once. A group of concurrent tests would otherwise
 * start dozens of node processes together, and on a loaded machine some would then outlast
 * their time limit. (`start` is not limited: a server runs until stopped, and its test may
 * `run` commands meanwhile.)
 */
const MAX_RUNNING = 4;
let running = 0;
const waiting: (() => void)[] = [];

/** Waits for a free slot; the returned function frees it, handing it to the next in line. */
async function slot(): Promise<() => void> {
  if (running < MAX_RUNNING) running++;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  return () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
}

/** Runs a command to completion (killed after `ms`, counted from its start, not from its wait for a slot). */
export async function run(args: string[], env: Record<string, string> = {}, ms = 20_000) {
  const release = await slot();
  try {
    const c = start(args, env);
    const timer = setTimeout(() => c.proc.kill('SIGKILL'), ms);
    const { code, signal } = await c.exited;
    clearTimeout(timer);
    return { code, signal, stdout: c.out(), stderr: c.err() };
  } finally {
    release();
  }
}

/** Waits until the child's stdout matches, failing on exit or after `ms`. */
export async function waitFor(c: Child, pattern: RegExp, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(c.out())) {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) {
      assert.fail(`exited (${c.proc.exitCode ?? c.proc.signalCode}) before printing ${pattern}\nstdout: ${c.out()}\nstderr: ${c.err()}`);
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${pattern}\nstdout: ${c.out()}\nstderr: ${c.err()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The `listening http://…/api/` origin a started server printed. */
export const httpOrigin = (c: Child) => /listening (http:\/\/[^\s]+)\/api\//.exec(c.out())![1];
