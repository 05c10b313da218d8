import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A child process the benchmark started, with the tail of its output for error messages. */
export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Last lines of stdout and stderr. */
  tail(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const children = new Set<Child>();

/** Every child still running (for the exit handler). */
export const running = () => [...children];

/** Starts a child process; its output is kept (last 60 lines) and, with `echo`, also printed. */
export function start(name: string, command: string, args: string[], options: SpawnOptions & { echo?: boolean | 'stderr' } = {}): Child {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const lines: string[] = [];
  proc.on('error', (e) => lines.push(`${name}: ${e.message}`)); // e.g. ENOENT; 'exit' may not follow
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const keep = (echo: boolean) => (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n|\r/)) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > 60) lines.shift();
      if (echo) console.log(`  [${name}] ${line}`);
    }
  };
  proc.stdout?.on('data', keep(options.echo === true));
  proc.stderr?.on('data', keep(options.echo === true || options.echo === 'stderr'));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const child: Child = {
    name,
    proc,
    pid: proc.pid,
    tail: () => lines.join('\n'),
    exited,
    async stop(graceMs = 3000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      children.delete(child);
    },
  };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

/** Kills every child still running, synchronously (for process exit). */
export function killAll(): void {
  for (const c of children) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  }
  children.clear();
}

/** Runs a command to completion within `timeoutMs`; rejects with its output on failure. */
export async function runToEnd(
  name: string, command: string, args: string[], options: SpawnOptions & { timeoutMs: number; echo?: boolean | 'stderr' },
): Promise<string> {
  const child = start(name, command, args, options);
  const out: string[] = [];
  child.proc.stdout?.on('data', (c: Buffer) => out.push(c.toString('utf8')));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void child.stop();
  }, options.timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  children.delete(child);
  if (timedOut) throw new Error(`${name}: no result within ${Math.round(options.timeoutMs / 1000)} s\n${child.tail()}`);
  if (code !== 0) throw new Error(`${name}: exit code ${code}\n${child.tail()}`);
  return out.join('');
}

/** Resolves with the first stdout line matching `pattern` (its match), or rejects on exit or timeout. */
export function waitForLine(child: Child, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const m = buffer.match(pattern);
      if (m) {
        done();
        resolve(m);
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${child.name}: not ready within ${Math.round(timeoutMs / 1000)} s\n${child.tail()}`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`${child.name}: exited (${code}) before it was ready\n${child.tail()}`));
    };
    const done = () => {
      clearTimeout(timer);
      child.proc.stdout?.off('data', onData);
      child.proc.off('exit', onExit);
    };
    child.proc.stdout?.on('data', onData);
    child.proc.once('exit', onExit);
  });
}

/** Polls `url` until it answers at all (any status), or rejects after `timeoutMs` or if the child exits. */
export async function waitForHttp(child: Child, url: string, init: RequestInit, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (let attempt = 0; Date.now() < until && attempt < 1000; attempt++) {
    if (child.proc.exitCode !== null) throw new Error(`${child.name}: exited (${child.proc.exitCode}) before it was ready\n${child.tail()}`);
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${child.name}: no answer at ${url} within ${Math.round(timeoutMs / 1000)} s\n${child.tail()}`);
}

/** A free TCP port on 127.0.0.1 (bound and released: another process could take it in between). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** VmRSS of one process in KiB (0 when it is gone, or not on Linux). */
function rssOf(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The direct children of a process (a `serve --workers N` primary's workers). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Samples the resident set size (VmRSS, KiB) of a process and its direct children, summed
 * (a cluster's primary and workers); `max` is the peak sum seen, `processes` how many were
 * counted then.
 */
export class RssSampler {
  max = 0;
  first = 0;
  last = 0;
  samples = 0;
  processes = 1;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pid: number, private readonly everyMs = 250) {}

  sample(): number {
    const pids = [this.pid, ...childrenOf(this.pid)];
    const kib = pids.reduce((sum, pid) => sum + rssOf(pid), 0);
    if (kib === 0) return 0;
    if (this.samples === 0) this.first = kib;
    this.samples++;
    this.last = kib;
    if (kib > this.max) [this.max, this.processes] = [kib, pids.length];
    return kib;
  }

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
