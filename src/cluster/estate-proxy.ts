import type { ActionOutcome, EstateStatus, JobAction, LiveEstate, RunCounts, ScriptedRun } from '../estate/estate.js';
import type { Channel } from './ipc.js';
import { OPS, type EstateCall } from './protocol.js';

/**
 * The live estate on a worker that does not run it: every call goes, through the primary, to
 * the leader worker that does, and answers what it answers (a catch-up there is committed
 * before the answer comes back, so this worker's next read shows it). While the leader is being
 * replaced the primary holds calls until the new one serves (or they time out: 503).
 */
export class EstateProxy implements LiveEstate {
  constructor(private readonly channel: Channel) {}

  private call<R>(method: EstateCall['method'], ...args: unknown[]): Promise<R> {
    return this.channel.request(OPS.estate, { method, args } satisfies EstateCall);
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
