import type { Channel } from '../io/channel.js';
import type { ActionOutcome, EstateStatus, JobAction, LiveEstate, RunCounts, ScriptedRun } from './estate.js';

/** A call of the live estate sent to where it runs (another thread or process). */
export interface EstateCall {
  readonly method: 'catchUp' | 'jobAction' | 'status' | 'setEnabled' | 'script' | 'setServerReachable';
  readonly args: readonly unknown[];
}

/**
 * The live estate where it does not run: every call goes over `channel` (as `op`) to where it
 * does, and answers what it answers (a catch-up there is committed before the answer comes
 * back, so what is read here next shows it).
 */
export class EstateProxy implements LiveEstate {
  constructor(
    private readonly channel: Channel,
    private readonly op: string,
  ) {}

  private call<R>(method: EstateCall['method'], ...args: unknown[]): Promise<R> {
    return this.channel.request(this.op, { method, args } satisfies EstateCall);
  }

  catchUp(now: number): Promise<RunCounts> {
    return this.call('catchUp', now);
  }

  jobAction(jobId: string, action: JobAction, now: number): Promise<ActionOutcome | undefined> {
    return this.call('jobAction', jobId, action, now);
  }

  status(): Promise<EstateStatus> {
    return this.call('status');
  }

  setEnabled(enabled: boolean): Promise<void> {
    return this.call('setEnabled', enabled);
  }

  script(jobId: string, runs: readonly ScriptedRun[]): Promise<boolean> {
    return this.call('script', jobId, runs);
  }

  setServerReachable(serverId: string, reachable: boolean): Promise<boolean> {
    return this.call('setServerReachable', serverId, reachable);
  }
}

/** Where the estate runs: carries out the `op` calls an `EstateProxy` sends over `channel`. */
export function answerEstateCalls(channel: Channel, op: string, estate: () => LiveEstate | undefined): void {
  channel.handle(op, ({ method, args }: EstateCall) => {
    const live = estate();
    if (!live) throw new Error('the live estate is not running');
    return (live[method] as (...a: unknown[]) => unknown)(...args);
  });
}
