import cluster, { type Worker } from 'node:cluster';
import { performance } from 'node:perf_hooks';
import { LogonLockout } from '../auth/logon-lockout.js';
import type { ClockState } from '../clock/clock.js';
import { clockFrom, DEFAULTS } from '../config.js';
import type { RequestFacts } from '../http/faults/match.js';
import { FaultRegistry } from '../http/faults/registry.js';
import type { FaultRule } from '../http/faults/rule.js';
import { Journal, type JournalFilter, type TimedJournalPage } from '../http/journal.js';
import { tlsMaterial } from '../http/listen.js';
import type { MetricSnapshot } from '../http/metrics.js';
import type { Settings } from '../settings.js';
import { Channel, PeerUnavailableError, type Port } from '../io/channel.js';
import type { EstateCall } from '../estate/proxy.js';
import { OPS, type WorkerReady, type WorkerSetup } from './protocol.js';

/** How long a stopping worker gets before it is killed. */
const STOP_GRACE_MS = 10_000;
/** A replacement that died before it served waits this long before the next, so a failing start does not spin. */
const RESTART_PAUSE_MS = 1000;

interface Member {
  readonly worker: Worker;
  readonly channel: Channel;
  readonly leader: boolean;
  /** Has its setup: broadcasts reach it (before, its setup carries the state). */
  joined: boolean;
  /** Has said it serves. */
  serving: boolean;
}

/**
 * The primary process of `serve --workers N`: serves no HTTP; forks the workers (the leader
 * first, which prepares a new store and runs the live estate, then the others), and keeps
 * what they share — the clock's state, the fault rules and their counters, logon failures —
 * answering their IPC, fanning journal and metrics reads out to all of them, forwarding
 * estate calls to the leader. A worker that dies is replaced; SIGTERM/SIGINT stops them all.
 */
export class Primary {
  private readonly members = new Set<Member>();
  private clock: ClockState;
  /** Clock moves, one after another. */
  private clockMoves: Promise<void> = Promise.resolve();
  private readonly faults: FaultRegistry;
  private readonly lockout: LogonLockout | undefined;
  /** Whether the data is simulated, as the first leader found (the other workers' proxies depend on it). */
  private estate = false;
  private leader: Promise<Channel>;
  private leaderFound!: (channel: Channel) => void;
  private stopping = false;
  private started = false;
  private prepared = false;

  private constructor(
    private readonly settings: Settings,
    private readonly tls: WorkerSetup['tls'],
  ) {
    this.clock = clockFrom(settings).state();
    this.faults = new FaultRegistry(settings.faultRules);
    this.lockout = settings.logonLockout && new LogonLockout(settings.logonLockout);
    this.leader = this.awaitLeader();
  }

  /** Starts the workers; prints the listening lines once all serve. */
  static async run(settings: Settings): Promise<void> {
    // One certificate for all workers, made once (a new data directory has none yet).
    const tls = settings.httpsPort === undefined ? undefined : (settings.tls ?? (await tlsMaterial(settings.store.dataDir)));
    cluster.setupPrimary({ serialization: 'advanced' });
    const primary = new Primary(settings, tls);
    process.once('SIGINT', () => void primary.stop());
    process.once('SIGTERM', () => void primary.stop());
    cluster.on('exit', (worker, code, signal) => primary.exited(worker, code, signal));
    const first = await primary.fork(true);
    await Promise.all(Array.from({ length: settings.workers - 1 }, () => primary.fork(false)));
    primary.started = true;
    for (const url of first.urls) console.log(`listening ${url}`);
  }

  private awaitLeader(): Promise<Channel> {
    return new Promise((resolve) => (this.leaderFound = resolve));
  }

  /** Forks a worker and resolves when it serves. */
  private fork(leader: boolean): Promise<WorkerReady> {
    const worker = cluster.fork();
    const channel = new Channel(worker as unknown as Port, DEFAULTS.clusterIpcTimeoutMs);
    const member: Member = { worker, channel, leader, joined: false, serving: false };
    this.members.add(member);
    this.answer(member);
    return new Promise((resolve) => {
      channel.handle(OPS.ready, (report: WorkerReady) => {
        member.serving = true;
        if (leader) {
          if (!this.prepared) this.estate = report.estate;
          this.prepared = true;
          this.leaderFound(channel);
        }
        resolve(report);
      });
    });
  }

  private answer(member: Member): void {
    const { channel } = member;
    channel.handle(OPS.setup, (): WorkerSetup => {
      member.joined = true;
      return { leader: member.leader, first: member.leader && !this.prepared, estate: this.estate, clock: this.clock, rules: this.faults.inForce(), tls: this.tls };
    });
    channel.handle(OPS.clockSet, (state: ClockState) => this.clockSet(state));
    channel.handle(OPS.faultsAdd, (rules: FaultRule[]) => this.rulesChanged(this.faults.add(rules)));
    channel.handle(OPS.faultsList, () => this.faults.list());
    channel.handle(OPS.faultsGet, (id: string) => this.faults.get(id));
    channel.handle(OPS.faultsRemove, (id: string) => this.rulesChanged(this.faults.remove(id)));
    channel.handle(OPS.faultsClear, () => this.rulesChanged(this.faults.clear()));
    channel.handle(OPS.faultsDecide, (facts: RequestFacts) => this.faults.decide(facts));
    channel.handle(OPS.journalList, async ({ filter, limit }: { filter: JournalFilter; limit: number }) =>
      Journal.merge(await this.broadcast<TimedJournalPage>(OPS.journalTimed, { filter, limit }), limit),
    );
    channel.handle(OPS.journalCount, async (filter: JournalFilter) => (await this.broadcast<number>(OPS.journalCount, filter)).reduce((a, b) => a + b, 0));
    channel.handle(OPS.journalClear, async () => void (await this.broadcast(OPS.journalClear)));
    channel.handle(OPS.lockoutLocked, ([user, address, now]: [string, string, number]) => this.lockout?.locked(user, address, now) ?? false);
    channel.handle(OPS.lockoutFailed, ([user, address, now]: [string, string, number]) => this.lockout?.failed(user, address, now));
    channel.handle(OPS.lockoutSucceeded, ([user, address]: [string, string]) => this.lockout?.succeeded(user, address));
    channel.handle(OPS.metrics, () => this.broadcast<MetricSnapshot>(OPS.metricsSnapshot));
    channel.handle(OPS.estate, async (call: EstateCall) => (await this.leader).request(OPS.estate, call));
  }

  /**
   * A clock move made on one worker, made every worker's in the order moves arrive. First each
   * worker writes its logon sessions' recent use, so that no worker reads, at the new time, a
   * session as idle that another used just before.
   */
  private clockSet(state: ClockState): Promise<void> {
    const move = this.clockMoves.then(async () => {
      await this.broadcast(OPS.logonsFlush);
      this.clock = state;
      await this.broadcast(OPS.clockAdopt, state);
    });
    this.clockMoves = move.catch(() => undefined);
    return move;
  }

  /** Every worker has the rules in force before an add or delete is answered. */
  private async rulesChanged<T>(result: T): Promise<T> {
    await this.broadcast(OPS.faultsInForce, this.faults.inForce());
    return result;
  }

  /** Asks every joined worker; the answers of those that answered (one that died meanwhile has none). */
  private async broadcast<R>(op: string, body?: unknown): Promise<R[]> {
    const asked = [...this.members].filter((m) => m.joined).map((m) => m.channel.request<R>(op, body));
    const settled = await Promise.allSettled(asked);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected' && !(s.reason instanceof PeerUnavailableError));
    if (failed) throw failed.reason;
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }

  private exited(worker: Worker, code: number | null, signal: string | null): void {
    const member = [...this.members].find((m) => m.worker === worker);
    if (!member) return;
    member.channel.close();
    this.members.delete(member);
    if (this.stopping) return;
    const how = signal ?? `code ${code}`;
    if (!this.started) {
      // A worker that cannot start (a port taken, a store that does not open) would fail again.
      console.error(`emrest: a worker process exited while starting (${how})`);
      void this.stop(code || 1);
      return;
    }
    console.error(`emrest: worker process ${worker.process.pid} exited (${how}); starting another`);
    const since = performance.now();
    if (member.leader) this.leader = this.awaitLeader();
    const replace = () => {
      if (this.stopping) return;
      void this.fork(member.leader).then(() => {
        if (member.leader) console.error(`emrest: the live estate runs in a new worker process, ${Math.round(performance.now() - since)} ms after the last one stopped`);
      });
    };
    if (member.serving) replace();
    else setTimeout(replace, RESTART_PAUSE_MS);
  }

  /** Stops every worker (each finishes what it writes and closes its store), then this process. */
  private async stop(code = 0): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await Promise.all(
      [...this.members].map(
        ({ worker }) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const timer = setTimeout(() => worker.process.kill('SIGKILL'), STOP_GRACE_MS);
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            worker.process.kill('SIGTERM');
          }),
      ),
    );
    process.exit(code);
  }
}
