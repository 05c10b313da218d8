import type { Clock } from '../clock/clock.js';
import { StoreBusyError, type Store } from '../store/store.js';
import type { ActionOutcome, JobAction, LiveEstate, RunCounts, ScriptedRun } from './estate.js';
import { runLive } from './live.js';

/**
 * Asked of the estate on a node that does not run it: another node of the same database does.
 * Transient as a busy store is (503 with Retry-After): the next try may reach that node, or
 * this one once it has taken over.
 */
export class EstateElsewhereError extends StoreBusyError {
  constructor() {
    super('live estate', 'the live estate runs on another node of this database; try again shortly');
  }
}

/** How often a node that does not run the estate tries to take it over. */
export const TAKEOVER_POLL_MS = 1000;
/** How long a catch-up asked of a node that does not run the estate waits for the one that does. */
const FOLLOW_WAIT_MS = 10_000;
const FOLLOW_POLL_MS = 100;

/** How a node loads the estate when it comes to lead (`first`: at its start), and whether another node would have one. */
export interface EstateLoader {
  load(first: boolean): Promise<LiveEstate | undefined>;
  /** Whether the data is simulated at all (asked while another node leads). */
  simulated(): Promise<boolean>;
  /** How far the estate has run, as the node running it last committed. */
  until(): Promise<number | undefined>;
}

/**
 * The live estate of a store several nodes may serve: this node runs it while it leads
 * (`Store.lead`), and tries to take it over every `TAKEOVER_POLL_MS` while another node does,
 * loading it from the database as that node left it (how far it ran is committed with every
 * catch-up). Scripts, a pause and unreachable servers are the running node's and do not pass
 * to the next one. With a store that is always led (SQLite) this is the estate and nothing more.
 */
export class EstateLeader implements LiveEstate {
  private estate: LiveEstate | undefined;
  private live: { stop(): void } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private trying: Promise<void> | undefined;
  private stopped = false;
  /** This node leads, and the data has no estate to run (a snapshot). */
  private snapshot = false;
  /** Another node leads and the data is simulated. */
  private elsewhere = false;
  private first = true;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly loader: EstateLoader,
    private readonly options: {
      readonly tickMs: number;
      readonly report: (e: unknown) => void;
      readonly onLead?: (estate: LiveEstate) => void;
      /** Hears what each catch-up this node ran started and finished (the ticker's and those asked of it). */
      readonly onRun?: (counts: RunCounts) => void;
    },
  ) {}

  /** Leads now if it can (resolves once settled either way), then keeps trying in the background. */
  async start(): Promise<void> {
    await this.tryLead();
    this.timer = setInterval(() => void this.tryLead(), TAKEOVER_POLL_MS);
    this.timer.unref();
  }

  /** The estate as the app sees it: undefined when nothing is simulated, on this node or another. */
  get current(): LiveEstate | undefined {
    return this.estate || this.elsewhere ? this : undefined;
  }

  /** Whether this node runs the estate now. */
  get leading(): boolean {
    return this.estate !== undefined;
  }

  private tryLead(): Promise<void> {
    if (this.estate || this.snapshot || this.stopped) return Promise.resolve();
    this.trying ??= (async () => {
      try {
        if (!(await this.store.lead(() => this.lose()))) {
          this.first = false;
          this.elsewhere = await this.loader.simulated();
          return;
        }
        const estate = await this.loader.load(this.first);
        this.first = false;
        this.elsewhere = false;
        if (!estate) {
          this.snapshot = true;
          return;
        }
        if (this.stopped) return;
        this.estate = estate;
        // An estate that stops on its own (its thread died) is loaded again at the next poll.
        void estate.ended?.then((why) => {
          if (this.estate !== estate) return;
          this.options.report(new Error(why));
          this.lose();
        });
        // The ticker's catch-ups go through `ran`, so they are heard as those asked of the leader are.
        this.live = runLive({ catchUp: (now) => this.ran(estate, now), jobAction: (...a) => estate.jobAction(...a) }, this.clock, this.options.tickMs, this.options.report);
        this.options.onLead?.(estate);
      } catch (e) {
        this.options.report(e);
      } finally {
        this.trying = undefined;
      }
    })();
    return this.trying;
  }

  /** The store's hold broke: stop at once (another node may be running it already) and try again later. */
  private lose(): void {
    this.live?.stop();
    this.live = undefined;
    const estate = this.estate;
    this.estate = undefined;
    void estate?.close?.().catch(this.options.report);
  }

  private running(): LiveEstate {
    if (!this.estate) throw new EstateElsewhereError();
    return this.estate;
  }

  /**
   * Runs the estate up to `now`. Where another node runs it, waits (up to `FOLLOW_WAIT_MS`) for
   * that node to have committed a catch-up to `now` (it sees the shared clock move within a
   * moment), so what is asked next here shows the time that passed; what it ran is that
   * node's to count.
   */
  async catchUp(now: number): Promise<RunCounts> {
    if (this.estate) return this.ran(this.estate, now);
    // A real-time (monotonic) wait: the simulated clock may stand still meanwhile.
    const until = performance.now() + FOLLOW_WAIT_MS;
    while (this.elsewhere && performance.now() < until && ((await this.loader.until()) ?? -Infinity) < now) {
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
    }
    return { sessionsStarted: 0, sessionsFinished: 0 };
  }

  private async ran(estate: LiveEstate, now: number): Promise<RunCounts> {
    const counts = await estate.catchUp(now);
    this.options.onRun?.(counts);
    return counts;
  }

  jobAction(jobId: string, action: JobAction, now: number): Promise<ActionOutcome | undefined> {
    return this.running().jobAction(jobId, action, now);
  }

  status() {
    return this.estate?.status() ?? { enabled: false, jobs: 0, running: 0, elsewhere: true };
  }

  setEnabled(enabled: boolean): void | Promise<void> {
    return this.running().setEnabled(enabled);
  }

  script(jobId: string, runs: readonly ScriptedRun[]): boolean | Promise<boolean> {
    return this.running().script(jobId, runs);
  }

  setServerReachable(serverId: string, reachable: boolean): boolean | Promise<boolean> {
    return this.running().setServerReachable(serverId, reachable);
  }

  /** Stops running the estate and trying to. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.lose();
  }
}
