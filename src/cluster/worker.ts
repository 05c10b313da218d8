import type { IdleTimers } from '../auth/idle-timers.js';
import type { Clock, ClockState } from '../clock/clock.js';
import { DEFAULTS } from '../config.js';
import type { LiveEstate } from '../estate/estate.js';
import type { Journal, JournalFilter } from '../http/journal.js';
import type { Metrics } from '../http/metrics.js';
import type { Settings } from '../settings.js';
import { answerEstateCalls, EstateProxy } from '../estate/proxy.js';
import { Channel, type Port } from '../io/channel.js';
import { OPS, type WorkerReady, type WorkerSetup } from './protocol.js';
import { SharedFaults } from './shared-faults.js';
import { SharedJournal } from './shared-journal.js';
import { SharedLockout } from './shared-lockout.js';

/**
 * A worker process of a server started with `--workers N`: what it shares with the others
 * through the primary (clock, fault rules, journal, lockout, metrics) and how it reaches the
 * live estate (its own, on the leader; the leader's, elsewhere).
 */
export class ClusterMember {
  readonly faults: SharedFaults;
  readonly journal: SharedJournal;
  readonly lockout?: SharedLockout;
  /** The live estate as a non-leader reaches it (absent on the leader and for a snapshot). */
  readonly estateProxy?: EstateProxy;
  /** The latest clock change made here, once every worker has it. */
  private clockShared: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly channel: Channel,
    readonly setup: WorkerSetup,
    settings: Settings,
    clock: Clock,
  ) {
    clock.adopt(setup.clock);
    channel.handle(OPS.clockAdopt, (state: ClockState) => clock.adopt(state));
    // Broadcast through the primary to every worker (this one too, so all end in the primary's order).
    clock.onChange(() => {
      this.clockShared = channel.request(OPS.clockSet, clock.state());
    });
    this.faults = new SharedFaults(channel, setup.rules);
    this.journal = new SharedJournal(channel, settings.journalSize);
    this.lockout = settings.logonLockout && new SharedLockout(channel);
    this.estateProxy = !setup.leader && setup.estate ? new EstateProxy(channel, OPS.estate) : undefined;
  }

  /** Asks the primary what this worker is and the state it joins. */
  static async join(settings: Settings, clock: Clock): Promise<ClusterMember> {
    const channel = new Channel(process as unknown as Port, DEFAULTS.clusterIpcTimeoutMs);
    const setup = await channel.request<WorkerSetup>(OPS.setup);
    return new ClusterMember(channel, setup, settings, clock);
  }

  /** Resolves once the clock changes made here so far are every worker's clock. */
  clockSettled(): Promise<void> {
    return this.clockShared.then(() => undefined);
  }

  /** Answers the primary's fan-outs from this worker's journal, metrics and idle timers. */
  answer(journal: Journal, metrics: Metrics, timers: IdleTimers): void {
    this.channel.handle(OPS.logonsFlush, () => timers.flush());
    this.channel.handle(OPS.journalTimed, ({ filter, limit }: { filter: JournalFilter; limit: number }) => journal.timed(filter, limit));
    this.channel.handle(OPS.journalCount, (filter: JournalFilter) => journal.count(filter));
    this.channel.handle(OPS.journalClear, () => journal.clear());
    this.channel.handle(OPS.metricsSnapshot, () => metrics.snapshot());
    metrics.aggregateOver(() => this.channel.request(OPS.metrics));
  }

  /** The leader: carries out the estate calls other workers forward. */
  runEstateFor(estate: () => LiveEstate | undefined): void {
    answerEstateCalls(this.channel, OPS.estate, estate);
  }

  /** Tells the primary this worker serves. */
  async ready(report: WorkerReady): Promise<void> {
    await this.channel.request(OPS.ready, report);
  }
}
